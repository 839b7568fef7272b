// The decision form of a case: show only the fields the chosen measure needs (the server checks them all).
for (const form of document.querySelectorAll("form.measure-form")) {
  const kind = form.elements.kind;
  const show = () => {
    for (const block of form.querySelectorAll("[data-for]")) {
      block.hidden = !block.dataset.for.split(" ").includes(kind.value);
    }
  };
  kind.addEventListener("change", show);
  show();
}
