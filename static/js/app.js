// Starts every NHS.UK frontend component on the page (header menu, error summary focus,
// notification banners, password reveal, file upload, checkboxes and radios, skip link...).
// The bundle is an ES module copied into static/nhsuk/ by scripts/build_frontend.py.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
