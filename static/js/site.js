// Behaviour every page shares, kept out of the markup so the Content-Security-Policy can forbid inline code:
// a <select data-submit-on-change> (the language switch) sends its form as soon as a choice is made.
for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
  select.addEventListener("change", () => select.form.submit());
}
