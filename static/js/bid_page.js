// The bid page: seal the bid in the browser (static/js/sealing.js) and send only the envelope, through the
// resumable upload API (create → PUT chunks at offsets → complete). Nothing in clear leaves the page.
import { privateKeyFromPem, publicKeyFromPem, sealEnvelope } from "./sealing.js";

const CHUNK = 1 << 20;

function csrf(form) {
  return form.querySelector("input[name=csrfmiddlewaretoken]").value;
}

async function api(form, method, url, body, headers = {}) {
  const response = await fetch(url, {
    method, body, credentials: "same-origin", headers: { "X-CSRFToken": csrf(form), ...headers },
  });
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : {};
  return { status: response.status, data };
}

function problem(data) {
  const errors = data.errors || data;
  return Object.values(errors).flat().join(" ") || "the upload was refused";
}

/** Upload a Blob through the resumable API; resumes at the server's offset after a conflict or a network error. */
export async function uploadEnvelope(form, sectionId, envelope, fileName, onProgress) {
  const created = await api(form, "POST", `/api/trading/sections/${sectionId}/uploads/`,
    JSON.stringify({ size: envelope.size, file_name: fileName }), { "Content-Type": "application/json" });
  if (created.status !== 201) throw new Error(problem(created.data));
  const url = `/api/trading/uploads/${created.data.id}/`;
  let offset = 0;
  let failures = 0;
  while (offset < envelope.size) {
    let answer;
    try {
      answer = await api(form, "PUT", `${url}?offset=${offset}`, envelope.slice(offset, offset + CHUNK),
        { "Content-Type": "application/octet-stream" });
    } catch (error) {
      if (++failures > 5) throw error;
      answer = await api(form, "GET", url);
    }
    if (answer.status === 409 || answer.status === 200) {
      offset = answer.data.offset;
      if (onProgress) onProgress(offset, envelope.size);
    } else {
      throw new Error(problem(answer.data));
    }
  }
  const done = await api(form, "POST", `${url}complete/`);
  if (done.status !== 201 && done.status !== 200) throw new Error(problem(done.data));
  return done.data;
}

async function sealAndUpload(form) {
  const status = form.querySelector(".seal-status");
  const say = (text) => { status.textContent = text; };
  const value = (name) => form.elements[name]?.value?.trim() ?? "";
  say("…");
  const keyFile = form.elements.key.files[0];
  const signer = await privateKeyFromPem(await keyFile.text(), form.elements.passphrase.value);
  const openingPem = await (await fetch(form.dataset.openingKey)).text();
  const fields = {};
  for (const input of form.querySelectorAll("input[name=field]")) fields[input.dataset.name] = input.value;
  const documents = Array.from(form.elements.documents.files, (file) => ({ name: file.name, blob: file }));
  const envelope = await sealEnvelope({
    summary: { price: value("price"), duration: value("duration"), quality: value("quality"),
               project_manager: value("project_manager"), fields },
    documents, signer, openingKey: publicKeyFromPem(openingPem),
    labels: { deal_code: form.dataset.dealCode, section_code: form.dataset.sectionCode },
    onProgress: (done, total) => say(`sealing ${Math.round((100 * done) / total)}%`),
  });
  const receipt = await uploadEnvelope(form, form.dataset.section, envelope, "bid.sealed",
    (done, total) => say(`uploading ${Math.round((100 * done) / total)}%`));
  form.dataset.receipt = JSON.stringify(receipt.signed);
  say(`receipt ${receipt.receipt_no} · SHA-256 ${receipt.sha256}`);
  form.classList.add("sealed");
  return receipt;
}

for (const form of document.querySelectorAll("form.seal-form")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sealAndUpload(form).catch((error) => {
      form.querySelector(".seal-status").textContent = `error: ${error.message}`;
      form.classList.add("failed");
    });
  });
}
window.bidPageReady = true;
