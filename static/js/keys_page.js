// The keys page: derive the public key from the bidder's encrypted private key file, in the browser only.
import { privateKeyFromPem } from "./sealing.js";

function pem(der) {
  let text = "";
  for (const b of der) text += String.fromCharCode(b);
  const body = btoa(text).match(/.{1,64}/g).join("\n");
  return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}

document.getElementById("derive")?.addEventListener("click", async () => {
  const status = document.getElementById("derive-status");
  try {
    const file = document.getElementById("private-key-file").files[0];
    const key = await privateKeyFromPem(await file.text(), document.getElementById("private-key-passphrase").value);
    document.querySelector("#key-form textarea[name=public_key]").value = pem(key.publicKey);
    status.textContent = "OK";
  } catch (error) {
    status.textContent = `error: ${error.message}`;
  }
});
