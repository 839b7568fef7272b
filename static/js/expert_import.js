// Poll an expert import's progress until it finishes; fill the bar and the error table.
(function () {
  const box = document.getElementById("import-job");
  if (!box) return;
  const url = box.dataset.statusUrl;
  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }
  async function poll() {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const job = await response.json();
    document.getElementById("import-progress").value = job.percent;
    document.getElementById("import-processed").textContent = job.processed;
    document.getElementById("import-created").textContent = job.created;
    const body = document.querySelector("#import-errors tbody");
    if (job.errors.length) {
      body.replaceChildren(...job.errors.map((e) => {
        const tr = document.createElement("tr");
        tr.append(cell(e.row), cell(e.field), cell(e.message));
        return tr;
      }));
    }
    if (job.state !== "finished") setTimeout(poll, 1000);
    else document.getElementById("import-state").textContent = "✓";
  }
  poll();
})();
