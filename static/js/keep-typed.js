// Keeps what was typed into a form marked data-keep-typed="<key>" for this browser tab only
// (sessionStorage), so going Back to the previous step of a multi-step flow and forward again
// does not lose it. Passwords and files are never kept; the copy is dropped when the form is sent.
// A form the server has just answered (with errors) shows what was sent, and keeps that.
const KEPT = ["text", "email", "tel", "textarea", "checkbox", "radio", "select-one"];

function keptFields(form) {
  return Array.from(form.elements).filter(
    (field) => field.name && field.name !== "csrfmiddlewaretoken" && KEPT.includes(field.type),
  );
}

function read(key) {
  try {
    return JSON.parse(window.sessionStorage.getItem(key) || "{}");
  } catch {
    return {};
  }
}

function restore(form, saved) {
  for (const field of keptFields(form)) {
    if (!(field.name in saved)) continue;
    const value = saved[field.name];
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = Array.isArray(value) && value.includes(field.value);
    } else {
      field.value = value;
    }
  }
}

function save(form, key) {
  const data = {};
  for (const field of keptFields(form)) {
    if (field.type === "checkbox" || field.type === "radio") {
      data[field.name] = data[field.name] || [];
      if (field.checked) data[field.name].push(field.value);
    } else {
      data[field.name] = field.value;
    }
  }
  try {
    window.sessionStorage.setItem(key, JSON.stringify(data));
  } catch {
    // Storage full or switched off: the form still works, it just forgets on Back.
  }
}

for (const form of document.querySelectorAll("form[data-keep-typed]")) {
  const key = `keep-typed:${form.dataset.keepTyped}`;
  if (form.hasAttribute("data-keep-typed-answered")) {
    save(form, key); // what was sent, so Back and forward again after an error keeps it too
  } else {
    restore(form, read(key));
  }
  form.addEventListener("input", () => save(form, key));
  form.addEventListener("change", () => save(form, key));
  form.addEventListener("submit", () => window.sessionStorage.removeItem(key));
}
