"""The evidence item form: one input for the item's answer type, plus comments."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dspt_portal.forms import NHSDateField, needed_in_some_cases
from evidence.models import LibraryDocument

from .models import Answer, AnswerType, EvidenceItem
from .rules import ICO_REGISTRATION_NUMBER, check_answer_format

TEXT_MAX_LENGTH = 20_000
COMMENTS_MAX_LENGTH = 10_000
LOCATION_MAX_LENGTH = 2_000
YES_NO = [("yes", "Yes"), ("no", "No")]


def _answer_label(question: str) -> SafeString:
    """The answer's label or legend, naming the item's question for someone moving from field
    to field (a screen reader reads the legend or label, not the heading above it)."""
    return format_html(
        'Your answer<span class="nhsuk-u-visually-hidden"> to the question: {}</span>', question
    )


def _textarea(rows: int = 6) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class EvidenceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self,
        *args,
        item: EvidenceItem,
        answer: Answer | None = None,
        library_documents: Sequence[LibraryDocument] = (),
        **kwargs,
    ):
        self.item = item
        self.answer = answer
        self.library_documents = {str(document.pk): document for document in library_documents}
        initial = kwargs.pop("initial", None) or {}
        if answer is not None:
            initial = {
                "text": answer.text,
                "choice": answer.choice,
                "date": answer.date,
                "number": answer.number,
                "document_location": answer.document_location,
                "comments": answer.comments,
                **initial,
            }
        initial.setdefault("version", answer.version if answer else 0)
        super().__init__(*args, initial=initial, **kwargs)
        self._add_answer_fields(item.answer_type)
        self.fields["comments"] = forms.CharField(
            label="Comments",
            required=False,
            max_length=COMMENTS_MAX_LENGTH,
            help_text='For example, where this does not apply, write "Not applicable" and why.',
            widget=_textarea(3),
        )

    def _add_answer_fields(self, answer_type: str) -> None:
        fields = self.fields
        if answer_type == AnswerType.TEXT and self.item.answer_format == ICO_REGISTRATION_NUMBER:
            fields["text"] = forms.CharField(
                label="Your ICO registration number",
                max_length=TEXT_MAX_LENGTH,
                help_text="For example, ZA046070. If your organisation does not have to register "
                "with the ICO, write Exempt and say why.",
                widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
                error_messages={
                    "required": "Enter your ICO registration number, or write Exempt and say why",
                    "max_length": f"Your answer must be {TEXT_MAX_LENGTH:,} characters or fewer",
                },
            )
        elif answer_type == AnswerType.TEXT:
            fields["text"] = forms.CharField(
                label=_answer_label(self.item.text),
                max_length=TEXT_MAX_LENGTH,
                widget=_textarea(),
                error_messages={
                    "required": "Enter your answer",
                    "max_length": f"Your answer must be {TEXT_MAX_LENGTH:,} characters or fewer",
                },
            )
        elif answer_type in (AnswerType.YES_NO, AnswerType.YES_NO_TEXT):
            fields["choice"] = forms.ChoiceField(
                label=_answer_label(self.item.text),
                choices=YES_NO,
                widget=forms.RadioSelect(attrs={"class": "nhsuk-radios--inline"}),
                error_messages={
                    "required": "Select yes or no",
                    "invalid_choice": "Select yes or no",
                },
            )
            if answer_type == AnswerType.YES_NO_TEXT:
                fields["text"] = forms.CharField(
                    label="Give details",
                    required=False,
                    max_length=TEXT_MAX_LENGTH,
                    widget=_textarea(4),
                    error_messages={
                        "max_length": f"Details must be {TEXT_MAX_LENGTH:,} characters or fewer"
                    },
                )
        elif answer_type == AnswerType.CHOICE:
            fields["choice"] = forms.ChoiceField(
                label=_answer_label(self.item.text),
                choices=[(o["value"], o["label"]) for o in self.item.options],
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Select an answer",
                    "invalid_choice": "Select one of the answers shown",
                },
            )
        elif answer_type == AnswerType.DATE:
            fields["date"] = NHSDateField(label="Date", help_text="For example, 15 3 2025")
        elif answer_type == AnswerType.NUMBER:
            fields["number"] = forms.DecimalField(
                label="Number",
                max_digits=14,
                decimal_places=2,
                min_value=Decimal(0),
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "class": "nhsuk-input--width-10"}
                ),
                error_messages={
                    "required": "Enter a number",
                    "invalid": "Enter a number, like 12 or 3.5",
                    "min_value": "The number must be 0 or more",
                    "max_digits": "The number is too large",
                    "max_whole_digits": "The number is too large",
                    "max_decimal_places": "Use no more than 2 decimal places",
                },
            )
        elif answer_type == AnswerType.DOCUMENT:
            # One of them is needed (clean() says so), unless a document is already linked.
            current = self.answer.library_document if self.answer is not None else None
            kinds = (
                "PDF, Word (DOCX), Excel (XLSX), OpenDocument (ODT, ODS), PNG or JPEG, up to 10 MB."
            )
            fields["upload"] = needed_in_some_cases(
                forms.FileField(
                    label="Upload a document",
                    required=False,
                    error_messages={"empty": "The selected file is empty"},
                ),
                (
                    "Only to replace the current file. It goes into your evidence library as a "
                    "new document (to update a document everywhere it is used, upload a new "
                    f"version in the library instead). {kinds}"
                    if current
                    else (
                        "Upload the document, choose one from your library, or say below where "
                        if self.library_documents
                        else "Upload the document, or say below where "
                    )
                    + f"it is kept. It goes into your evidence library. {kinds}"
                ),
            )
            choices = [
                (key, document.title)
                for key, document in self.library_documents.items()
                if current is None or document.pk != current.pk
            ]
            if choices:
                fields["library_document"] = needed_in_some_cases(
                    forms.ChoiceField(
                        label="Or choose from your library",
                        required=False,
                        choices=[("", "Choose a document"), *choices],
                        error_messages={
                            "invalid_choice": "Choose one of the documents in your library"
                        },
                    ),
                    "A document your organisation already keeps, such as a policy that serves "
                    "several items.",
                )
            fields["document_location"] = needed_in_some_cases(
                forms.CharField(
                    label="Or say where the document is kept",
                    required=False,
                    max_length=LOCATION_MAX_LENGTH,
                    widget=_textarea(2),
                    error_messages={
                        "max_length": f"Where it is kept must be {LOCATION_MAX_LENGTH:,} "
                        "characters or fewer"
                    },
                ),
                (
                    "Needed if you remove the current file and do not upload another. "
                    if current
                    else "Needed if you do not upload the document. "
                )
                + "For example, the policies folder in the manager's office.",
            )
            if current is not None:
                fields["remove_document"] = forms.BooleanField(
                    label=f"Remove {current.title} from this answer (your library keeps it)",
                    required=False,
                )
        else:
            raise ValueError(f"Unknown answer type {answer_type!r}")

    def clean_text(self) -> str:
        """A known format (the bank's `answer_format`) is checked here and stored normalised."""
        text = self.cleaned_data.get("text") or ""
        if not self.item.answer_format:
            return text
        checked = check_answer_format(self.item.answer_format, text)
        if not checked.ok:
            raise forms.ValidationError(checked.error)
        return checked.value

    def clean_library_document(self) -> LibraryDocument | None:
        key = self.cleaned_data.get("library_document") or ""
        return self.library_documents.get(key) if key else None

    def clean(self):
        cleaned = super().clean()
        if self.item.answer_type == AnswerType.DOCUMENT:
            if cleaned.get("upload") and cleaned.get("library_document"):
                self.add_error(
                    "library_document",
                    "Upload a file or choose one from your library, not both",
                )
            keeps_current = (
                self.answer is not None
                and self.answer.library_document_id is not None
                and not cleaned.get("remove_document")
            )
            has_location = bool((cleaned.get("document_location") or "").strip())
            if (
                not (
                    cleaned.get("upload")
                    or cleaned.get("library_document")
                    or has_location
                    or keeps_current
                )
                and not self.has_error("upload")
                and not self.has_error("document_location")
                and not self.has_error("library_document")
            ):
                self.add_error(
                    "upload",
                    "Upload a document, choose one from your library or say where it is kept"
                    if "library_document" in self.fields
                    else "Upload a document or say where it is kept",
                )
        return cleaned

    def initial_from_post(self, data) -> dict:
        """What a posted copy of this form held, as initial values: a form kept while its author
        was signed out is shown again as typed, not yet checked (files cannot be kept)."""
        return {
            name: field.widget.value_from_datadict(data, {}, self.add_prefix(name))
            for name, field in self.fields.items()
            if not isinstance(field, forms.FileField)
        }

    def answer_values(self) -> dict:
        """The value fields to save, blank for the ones this answer type does not use."""
        data = self.cleaned_data
        return {
            "text": (data.get("text") or "") if "text" in self.fields else "",
            "choice": data.get("choice") or "",
            "date": data.get("date"),
            "number": data.get("number"),
            "document_location": (data.get("document_location") or "").strip(),
            "comments": data.get("comments") or "",
        }
