// The helpdesk import page while an import runs: asks the server how far it has got every two
// seconds, moves the progress bar, and reloads the page to show the result once it has finished.
// Without script the page's "Check again" button does the same by hand.
const progress = document.getElementById("import-progress");
const POLL_MS = 2000;

async function check() {
  try {
    const response = await fetch(progress.dataset.statusUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.ok) {
      const status = await response.json();
      if (status.finished) {
        window.location.reload();
        return;
      }
      document.getElementById("import-progress-bar").value = status.percent;
      document.getElementById("import-progress-bar").textContent = `${status.percent}%`;
      const text = document.getElementById("import-progress-text");
      if (text.textContent !== status.text) {
        text.textContent = status.text;
      }
    }
  } catch {
    // A dropped connection: the next check tries again.
  }
  window.setTimeout(check, POLL_MS);
}

if (progress) {
  window.setTimeout(check, POLL_MS);
}
