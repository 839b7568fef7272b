// The custodian's part of the project page: open a key check (before the deadline) or one's share of the opening
// key (after it) with one's own key file, in this browser (shareDecrypt in static/js/sealing.js), and hand in only
// what it holds, the opened secret, through the page's own form. The key file, the passphrase and the share file
// have no name in the form, so they are never sent. Every refusal is shown here before anything is asked of the
// platform or stored by it.
import { msg } from "./messages.js";
import { keyFingerprint, privateKeyFromPem, shareDecrypt } from "./sealing.js";

const KEY_PROBLEMS = { "not-a-key-file": "NotKeyFile", "gm-key": "GmKey", "bad-passphrase": "BadKey" };
const SHARE_PROBLEMS = { "not-a-share": "NotShareFile", "wrong-key": "NotYourShare", damaged: "Damaged" };

function refused(form, name, vars) {
  return new Error(msg(form, name, vars));
}

/** The share file the custodian chose, read as a share record of this project's opening key (or null: none). */
async function chosenShare(form) {
  const file = form.querySelector(".share-file")?.files[0];
  if (!file) return null;
  let record;
  try {
    record = JSON.parse(await file.text());
  } catch {
    throw refused(form, "NotShareFile");
  }
  if (!record || typeof record !== "object" || typeof record.key_id !== "string" || typeof record.wrapped !== "string") {
    throw refused(form, "NotShareFile");
  }
  if (record.key_id !== form.dataset.openingKey) throw refused(form, "WrongProject");
  return record;
}

async function custodianKey(form) {
  const file = form.querySelector(".key-file").files[0];
  let key;
  try {
    key = await privateKeyFromPem(await file.text(), form.querySelector(".passphrase").value);
  } catch (error) {
    throw refused(form, KEY_PROBLEMS[error.code] ?? "NotKeyFile");
  }
  const own = await keyFingerprint(key);
  const expected = form.dataset.custodianKey;
  if (own !== expected) throw refused(form, "WrongKey", { expected: expected.slice(0, 16), got: own.slice(0, 16) });
  return key;
}

/** The share (or key check) the platform hands this custodian now; its refusal in its own words. */
async function fetched(form) {
  const response = await fetch(form.dataset.fetch, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const reason = data.detail || Object.values(data.errors || {}).flat().join(" ");
    throw new Error(msg(form, "Error", { reason }));
  }
  return data;
}

async function openAndHandIn(form) {
  const say = (text) => { form.querySelector(".custody-status").textContent = text; };
  const record = await chosenShare(form);
  say(msg(form, "Working"));
  const key = await custodianKey(form);
  let opened;
  try {
    opened = await shareDecrypt(record ?? await fetched(form), key);
  } catch (error) {
    throw error.code ? refused(form, SHARE_PROBLEMS[error.code] ?? "Damaged") : error;
  }
  if (form.dataset.openingKey && opened.key_id !== form.dataset.openingKey) throw refused(form, "WrongProject");
  for (const [name, value] of Object.entries(opened)) form.elements[name].value = String(value);
  say("");
  form.submit();
}

for (const form of document.querySelectorAll("form.custody-open")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    form.classList.remove("failed");
    openAndHandIn(form).catch((error) => {
      form.querySelector(".custody-status").textContent = error.message;
      form.classList.add("failed");
    });
  });
}
window.custodyPageReady = true;
