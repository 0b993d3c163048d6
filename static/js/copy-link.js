// "Copy link" buttons: a button marked data-copy-from="<input id>" copies that input's value
// and says so in the page's role="status" paragraph. Without script the button stays hidden and
// the link can be selected and copied from the input by hand.
function say(button, text) {
  const status = document.getElementById(`${button.dataset.copyFrom}-copied`);
  if (status) status.textContent = text;
}

async function copy(button) {
  const input = document.getElementById(button.dataset.copyFrom);
  if (!input) return;
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    say(button, "Press Ctrl and C (or hold the link and choose Copy) to copy it.");
    return;
  }
  say(button, button.dataset.copiedText || "Copied");
}

for (const button of document.querySelectorAll("button[data-copy-from]")) {
  button.hidden = false;
  button.addEventListener("click", () => copy(button));
}
