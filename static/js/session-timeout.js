// Warns a signed-in person before their session ends for inactivity (WCAG 2.2.1), and lets them
// stay signed in. The server says how many seconds the session has left (base.html's
// data-seconds-left, and the "Stay signed in" answer), so the warning is never late. Before
// saying "signed out" the page asks the server (data-status-url) whether the session really
// ended: another tab may have kept it going. Without script nothing changes: the session still
// ends, and the sign-in page says why.
const warning = document.getElementById("session-warning");
const ended = document.getElementById("session-ended");
// The session ends a moment after the time the server gave (it counts from before saving it):
// say "signed out" only once that moment has surely passed.
const ENDED_AFTER_MS = 2000;
const TICK_MS = 1000;
// Open tabs tell each other when the session now ends (a page loaded or "Stay signed in").
const SHARED_KEY = "dspt-session-ends-at";

function plural(count, unit) {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

function timeText(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) {
    return plural(rest, "second");
  }
  return rest === 0 ? plural(minutes, "minute") : `${plural(minutes, "minute")} ${plural(rest, "second")}`;
}

function start() {
  const warnMs = Number(warning.dataset.warningSeconds) * 1000;
  const countdown = document.getElementById("session-warning-countdown");
  const problem = document.getElementById("session-warning-problem");
  const stayForm = warning.querySelector("form[action]");
  let endsAt = Date.now() + Number(warning.dataset.secondsLeft) * 1000;
  let timer = null;
  let checking = false;

  function share() {
    try {
      window.localStorage.setItem(SHARED_KEY, String(endsAt));
    } catch {
      // Storage turned off: each tab keeps its own time.
    }
  }

  function showEnded() {
    window.clearInterval(timer);
    if (warning.open) {
      warning.close();
    }
    if (!ended.open) {
      ended.showModal();
      document.getElementById("session-ended-close").focus();
    }
  }

  // The session may have been kept going elsewhere (another tab, with storage turned off so
  // the tabs could not tell each other): the server says. If it cannot be asked (offline), the
  // page says signed out, as the session has surely ended by its own count.
  async function confirmEnded() {
    if (checking) {
      return;
    }
    checking = true;
    let secondsLeft = 0;
    try {
      const response = await fetch(warning.dataset.statusUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const answer = await response.json();
        if (answer.signed_in) {
          secondsLeft = Number(answer.seconds_left) || 0;
        }
      }
    } catch {
      // No answer: signed out, as before.
    }
    checking = false;
    if (secondsLeft > 0) {
      endsAt = Date.now() + secondsLeft * 1000;
      share();
      tick();
      return;
    }
    showEnded();
  }

  function tick() {
    const left = endsAt - Date.now();
    if (left <= -ENDED_AFTER_MS) {
      confirmEnded();
      return;
    }
    if (left > warnMs) {
      if (warning.open) {
        warning.close();
      }
      return;
    }
    const text = timeText(left);
    if (countdown.textContent !== text) {
      countdown.textContent = text;
    }
    if (!warning.open) {
      problem.hidden = true;
      warning.showModal();
      document.getElementById("session-warning-stay").focus();
    }
  }

  async function stay() {
    try {
      const response = await fetch(stayForm.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": stayForm.querySelector("[name=csrfmiddlewaretoken]").value,
        },
      });
      if (response.status === 401) {
        endsAt = Date.now() - ENDED_AFTER_MS;
        showEnded();
        return;
      }
      if (!response.ok) {
        throw new Error(`status ${response.status}`);
      }
      const answer = await response.json();
      endsAt = Date.now() + answer.seconds_left * 1000;
      share();
      warning.close();
    } catch {
      problem.textContent =
        "We could not reach the portal to keep you signed in. Check your connection and try again.";
      problem.hidden = false;
    }
  }

  stayForm.addEventListener("submit", (event) => {
    event.preventDefault();
    stay();
  });
  // Escape means "I am here": the same as staying signed in.
  warning.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay();
  });
  document.getElementById("session-ended-close").addEventListener("click", () => ended.close());
  window.addEventListener("storage", (event) => {
    if (event.key === SHARED_KEY && Number(event.newValue) > endsAt) {
      endsAt = Number(event.newValue);
      tick();
    }
  });

  share();
  timer = window.setInterval(tick, TICK_MS);
  tick();
}

if (warning && ended && typeof warning.showModal === "function") {
  start();
}
