// Pages of work done in the background (a document being made, a helpdesk import) ask the server
// how far it has got every two seconds and show it in place: no reload while the work runs, so
// focus and scroll stay where the person left them. Without script, each page's "Check again"
// button asks the same question by loading the page again.
//
// The page marks its parts with data attributes:
//   data-job-status-url  the element holding the rest; the JSON address to ask
//                        ({finished, percent, text, html?})
//   data-job-text        a live region: `text` goes here when it changes, so it is announced
//   data-job-progress    (optional) a <progress> element: `percent` goes here
//   data-job-panel       (optional) replaced by `html` when it changes; once finished, focus
//                        moves to its [data-job-focus] element (the download link), if any
//   data-job-check       (optional) the "Check again" form, removed once finished
// A finished job without `html` (the import's result is a whole page) reloads the page instead.
const POLL_MS = 2000;

function follow(job) {
  const text = job.querySelector("[data-job-text]");
  const progress = job.querySelector("[data-job-progress]");
  const panel = job.querySelector("[data-job-panel]");
  let shownHtml = null;

  function show(status) {
    if (progress && typeof status.percent === "number") {
      progress.value = status.percent;
      progress.textContent = `${status.percent}%`;
    }
    if (panel && typeof status.html === "string" && status.html !== shownHtml) {
      panel.innerHTML = status.html;
      shownHtml = status.html;
    }
    if (text && text.textContent !== status.text) {
      text.textContent = status.text;
    }
  }

  function finish(status) {
    if (!panel || typeof status.html !== "string") {
      window.location.reload();
      return;
    }
    show(status);
    job.querySelectorAll("[data-job-check]").forEach((element) => element.remove());
    const focus = panel.querySelector("[data-job-focus]");
    if (focus) {
      focus.focus();
    }
  }

  async function check() {
    try {
      const response = await fetch(job.dataset.jobStatusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const status = await response.json();
        if (status.finished) {
          finish(status);
          return;
        }
        show(status);
      }
    } catch {
      // A dropped connection: the next check tries again.
    }
    window.setTimeout(check, POLL_MS);
  }

  window.setTimeout(check, POLL_MS);
}

document.querySelectorAll("[data-job-status-url]").forEach(follow);
