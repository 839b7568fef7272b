// The evaluation-criteria editor (trading/criteria_field.py): add and remove rows, keep the running total.
function renumber(editor) {
  const name = editor.dataset.name;
  editor.querySelectorAll("tr.criterion").forEach((row, i) => {
    row.querySelector("input:not(.weight)").name = `${name}-name-${i}`;
    row.querySelector("select").name = `${name}-kind-${i}`;
    row.querySelector("input.weight").name = `${name}-weight-${i}`;
  });
}

function total(editor) {
  let fen = 0;
  for (const input of editor.querySelectorAll("input.weight")) {
    const value = Number.parseFloat(input.value);
    if (!Number.isNaN(value)) fen += Math.round(value * 100);
  }
  const output = editor.querySelector(".criteria-total");
  output.textContent = String(fen / 100);
  output.classList.toggle("bad", fen !== 10000 && fen !== 0);
}

function setUp(editor) {
  const body = editor.querySelector("tbody");
  editor.querySelectorAll(".remove-row, .add-row").forEach((button) => { button.hidden = false; });
  editor.addEventListener("input", () => total(editor));
  editor.addEventListener("click", (event) => {
    if (event.target.classList.contains("remove-row") && body.rows.length > 1) {
      event.target.closest("tr").remove();
      renumber(editor);
      total(editor);
    }
  });
  editor.querySelector(".add-row").addEventListener("click", () => {
    const row = body.rows[body.rows.length - 1].cloneNode(true);
    row.querySelectorAll("input").forEach((input) => { input.value = ""; });
    body.append(row);
    renumber(editor);
  });
  total(editor);
}

document.querySelectorAll(".criteria-editor").forEach(setUp);
