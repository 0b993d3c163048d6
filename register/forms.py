from django import forms

from .search import SEARCH_MAX_LENGTH, normalise_query

QUERY_TOO_LONG = f"Search must be {SEARCH_MAX_LENGTH} characters or fewer"


class SearchQueryField(forms.CharField):
    def to_python(self, value):
        # Control characters go before the length and NUL checks: a pasted tab or NUL should not
        # turn a reasonable search into an error.
        return normalise_query(super().to_python(value))


class SearchForm(forms.Form):
    """The public organisation search (GET). An empty search is valid: it shows the form only."""

    q = SearchQueryField(
        label="Organisation name or ODS code",
        help_text="For example, Langdale House or VM8L1",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={"max_length": QUERY_TOO_LONG},
    )
