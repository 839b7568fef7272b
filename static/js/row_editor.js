// Editors made of rows (trading/criteria_field.py, expert_pool's draw groups): add and remove rows, renumber the
// fields (<prefix>-<field>-<i>), keep the running total of the [data-sum] inputs; data-expect marks a wrong total.
function renumber(editor) {
  editor.querySelectorAll("tbody tr").forEach((row, i) => {
    row.querySelectorAll("[data-field]").forEach((field) => {
      field.name = `${editor.dataset.name}-${field.dataset.field}-${i}`;
    });
  });
}

function total(editor) {
  const output = editor.querySelector(".row-total");
  if (!output) return;
  let hundredths = 0;
  for (const input of editor.querySelectorAll("[data-sum]")) {
    const value = Number.parseFloat(input.value);
    if (!Number.isNaN(value)) hundredths += Math.round(value * 100);
  }
  output.textContent = String(hundredths / 100);
  const expect = editor.dataset.expect;
  output.classList.toggle("bad", Boolean(expect) && hundredths !== 0 && hundredths !== Number(expect) * 100);
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

document.querySelectorAll(".row-editor").forEach(setUp);
