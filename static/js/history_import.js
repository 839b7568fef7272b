// Follow a history import job: fill the progress bar from the job's API until it finishes, then show the result.
const box = document.getElementById("history-job");
if (box && box.dataset.finished !== "1") {
  const bar = document.getElementById("history-progress");
  const checked = document.getElementById("history-checked");
  const state = document.getElementById("history-state");
  const poll = async () => {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const job = await response.json();
      bar.value = job.progress;
      bar.textContent = `${job.progress}%`;
      checked.textContent = job.checked;
      state.textContent = job.state_label;
      if (job.state === "done" || job.state === "refused") {
        window.location.reload();
        return;
      }
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
}
