// The witness's secret for a format-2 draw, expert or marketplace (docs/expert-draw.md): made here, in the browser, with
// crypto.getRandomValues; the person downloads it, and only its SHA-256 fills the commitment field. At the reveal,
// the saved file is read into the secret field. Nothing is sent until the person submits a form.
(function () {
  "use strict";
  const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

  const make = document.querySelector("[data-witness-make]");
  const commitment = document.getElementById("witness-commitment");
  const link = document.querySelector("[data-witness-file]");
  if (make && commitment && window.crypto && crypto.subtle) {
    make.hidden = false;
    make.addEventListener("click", async () => {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      commitment.value = hex(await crypto.subtle.digest("SHA-256", secret));
      const draw = document.location.pathname.split("/").filter(Boolean).pop();
      const blob = new Blob([hex(secret) + "\n"], {type: "text/plain"});
      link.href = URL.createObjectURL(blob);
      link.download = `witness-secret-draw-${draw}.txt`;
      link.textContent = link.download;
      link.hidden = false;
      link.click();
    });
  }

  const file = document.querySelector("[data-witness-read]");
  const secret = document.getElementById("witness-secret");
  if (file && secret) {
    file.addEventListener("change", async () => {
      if (file.files.length) {
        secret.value = (await file.files[0].text()).trim();
      }
    });
  }
})();
