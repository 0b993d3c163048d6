// Opens the details asked for under a radio option (the NHS.UK conditional reveal) while that
// option is chosen, and closes them when another one is. The frontend's own radios script could
// do this, but it marks each radio aria-expanded, an attribute radios may not have (axe's
// aria-allowed-attr rule). Without script the server opens the chosen option's details.
const HIDDEN = "nhsuk-radios__conditional--hidden";

function sync(group) {
  for (const radio of group) {
    const details = document.getElementById(radio.dataset.reveals || "");
    if (details) details.classList.toggle(HIDDEN, !radio.checked);
  }
}

function groupOf(radio) {
  const scope = radio.form || document;
  return Array.from(scope.querySelectorAll('input[type="radio"]')).filter(
    (other) => other.name === radio.name,
  );
}

const revealing = document.querySelectorAll('input[type="radio"][data-reveals]');
for (const radio of revealing) {
  sync(groupOf(radio));
  for (const other of groupOf(radio)) {
    other.addEventListener("change", () => sync(groupOf(radio)));
  }
}
