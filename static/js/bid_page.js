// The bid page: seal the bid in the browser (static/js/sealing.js) and send only the envelope, through the
// resumable upload API (create → PUT chunks at offsets → complete). Nothing in clear leaves the page.
//
// The sealed envelope (ciphertext only) and its upload's id are kept in this browser's IndexedDB until the
// receipt arrives, so that an upload cut off by a closed tab, a reload or a dropped connection can be resumed
// from the server's offset when the page is opened again, without sealing again.
import { msg } from "./messages.js";
import { privateKeyFromPem, publicKeyFromPem, sealEnvelope } from "./sealing.js";

const CHUNK = 1 << 20;
const DATABASE = "sunshine-bid-page";
const STORE = "unfinished-uploads";

function database() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Run one request on the store: ("get", key), ("put", value, key) or ("delete", key). */
async function kept(method, ...args) {
  const db = await database();
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction(STORE, method === "get" ? "readonly" : "readwrite").objectStore(STORE)[method](...args);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

/** The key of a form's unfinished upload: one per user and section on this site. */
function keptKey(form) {
  return `${form.dataset.user}/${form.dataset.section}`;
}

function csrf(form) {
  return form.querySelector("input[name=csrfmiddlewaretoken]").value;
}

/**
 * A random id of this browser's bid page, kept in localStorage and sent with every upload request: the platform
 * records it with the bid (never shown before the opening) so that a regulator can see envelopes of different
 * bidders sent from one installation (TL 40). It identifies nothing else.
 */
function installationId() {
  const name = "sunshine-installation-id";
  try {
    let id = localStorage.getItem(name);
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem(name, id);
    }
    return id;
  } catch {
    return "";
  }
}

const BUSY_RETRIES = 24;  // a 503 "busy" answer (the deadline rush) is sent again after its Retry-After

async function api(form, method, url, body, headers = {}) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method, body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), "X-Sunshine-Installation": installationId(), ...headers },
    });
    if (response.status === 503 && attempt < BUSY_RETRIES) {
      const wait = Math.min(Math.max(Number(response.headers.get("Retry-After")) || 5, 0.5), 30);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      continue;
    }
    const data = response.headers.get("content-type")?.includes("json") ? await response.json() : {};
    return { status: response.status, data };
  }
}

function problem(data) {
  const errors = data.errors || data;
  return Object.values(errors).flat().join(" ") || "the upload was refused";
}

/**
 * Upload a Blob through the resumable API; resumes at the server's offset after a conflict or a network error.
 * With ``uploadId`` (an upload this browser started before), it continues that upload where the server has it,
 * or starts a new one if that upload is gone, was abandoned or is for other bytes; ``onCreated(id)`` is told
 * the id of a new upload.
 */
export async function uploadEnvelope(form, sectionId, envelope, fileName, onProgress,
                                     { uploadId = null, onCreated = null } = {}) {
  let url = uploadId ? `/api/trading/uploads/${uploadId}/` : null;
  let offset = 0;
  if (url) {
    const known = await api(form, "GET", url);
    const usable = known.status === 200 && known.data.size === envelope.size
      && ["open", "complete"].includes(known.data.state);
    if (usable) offset = known.data.state === "complete" ? envelope.size : known.data.offset;
    else url = null;
  }
  if (!url) {
    const created = await api(form, "POST", `/api/trading/sections/${sectionId}/uploads/`,
      JSON.stringify({ size: envelope.size, file_name: fileName }), { "Content-Type": "application/json" });
    if (created.status !== 201) throw new Error(problem(created.data));
    url = `/api/trading/uploads/${created.data.id}/`;
    if (onCreated) await onCreated(created.data.id);
  }
  if (onProgress) onProgress(offset, envelope.size);
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

/** Yuan as a whole number of fen (BigInt), or null for what is not an amount with at most two decimals. */
function fen(text) {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec((text ?? "").trim());
  return match ? BigInt(match[1]) * 100n + BigInt((match[2] ?? "").padEnd(2, "0")) : null;
}

/** Why this price would be rejected before anything is sealed (over the 招标控制价), or "". */
function priceProblem(form) {
  const price = fen(form.elements.price.value);
  const cap = fen(form.dataset.priceCap);
  if (price !== null && cap !== null && price > cap) return msg(form, "OverCap", { cap: form.dataset.priceCapText });
  return "";
}

async function sealAndUpload(form) {
  const status = form.querySelector(".seal-status");
  const say = (text) => { status.textContent = text; };
  const value = (name) => form.elements[name]?.value?.trim() ?? "";
  const problem = priceProblem(form);
  if (problem) throw new Error(problem);
  say("…");
  const keyFile = form.elements.key.files[0];
  let signer;
  try {
    signer = await privateKeyFromPem(await keyFile.text(), form.elements.passphrase.value);
  } catch {
    throw new Error(msg(form, "BadKey"));
  }
  const openingPem = await (await fetch(form.dataset.openingKey)).text();
  const fields = {};
  for (const input of form.querySelectorAll("input[name=field]")) fields[input.dataset.name] = input.value;
  const documents = Array.from(form.elements.documents.files, (file) => ({ name: file.name, blob: file }));
  const envelope = await sealEnvelope({
    summary: { price: value("price"), duration: value("duration"), quality: value("quality"),
               project_manager: value("project_manager"), fields },
    documents, signer, openingKey: publicKeyFromPem(openingPem),
    labels: { deal_code: form.dataset.dealCode, section_code: form.dataset.sectionCode },
    onProgress: (done, total) => say(`${msg(form, "Sealing")} ${Math.round((100 * done) / total)}%`),
  });
  await kept("put", { envelope, uploadId: null }, keptKey(form));
  return upload(form, { envelope, uploadId: null });
}

/** Upload a kept envelope (continuing its upload if it has one), then forget it once the receipt is here. */
async function upload(form, record) {
  const status = form.querySelector(".seal-status");
  const receipt = await uploadEnvelope(form, form.dataset.section, record.envelope, "bid.sealed",
    (done, total) => { status.textContent = `${msg(form, "Uploading")} ${Math.round((100 * done) / total)}%`; },
    { uploadId: record.uploadId,
      onCreated: (id) => kept("put", { envelope: record.envelope, uploadId: id }, keptKey(form)) });
  await kept("delete", keptKey(form));
  form.querySelector(".seal-resume").hidden = true;
  form.dataset.receipt = JSON.stringify(receipt.signed);
  status.textContent = msg(form, "Received", { no: receipt.receipt_no });
  form.classList.remove("failed");
  form.classList.add("sealed");
  return receipt;
}

function failed(form) {
  return (error) => {
    form.querySelector(".seal-status").textContent = msg(form, "Error", { reason: error.message });
    form.classList.add("failed");
  };
}

async function offerResume(form) {
  const record = await kept("get", keptKey(form));
  const box = form.querySelector(".seal-resume");
  if (!record) return;
  box.querySelector(".resume-size").textContent = record.envelope.size.toLocaleString();
  box.hidden = false;
  box.querySelector("button.resume").onclick = () => {
    form.classList.remove("failed");
    upload(form, record).catch(failed(form));
  };
  box.querySelector("button.discard").onclick = async () => {
    await kept("delete", keptKey(form));
    box.hidden = true;
  };
}

const forms = Array.from(document.querySelectorAll("form.seal-form"));
for (const form of forms) {
  form.elements.price.addEventListener("input", () => {
    const problem = priceProblem(form);
    form.querySelector(".price-warning").textContent = problem;
    form.querySelector(".price-warning").hidden = !problem;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    form.classList.remove("failed", "sealed");
    sealAndUpload(form).catch(failed(form));
  });
}
Promise.all(forms.map((form) => offerResume(form).catch(failed(form)))).finally(() => { window.bidPageReady = true; });
