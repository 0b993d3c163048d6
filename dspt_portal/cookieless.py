"""Responses any cache may keep and share: no cookie set, none varied on.

A status badge is fetched by every visitor of every provider's website and is the same for all of
them, so it is sent with `Cache-Control: public`. A shared cache must then never see a Set-Cookie
(it would hand one person's session to the next) nor `Vary: Cookie` (it would keep a copy per
visitor). Django's session middleware adds that Vary header to any response whose request looked
at the session, and the portal's middleware looks at it on every request (who is signed in), so a
view cannot prevent it alone: it marks its response with `cookieless`, and this middleware, first
in MIDDLEWARE so it sees the response last, takes out whatever cookies and Vary: Cookie the others
added.
"""

from __future__ import annotations

from functools import wraps

MARK = "_dspt_cookieless"


def cookieless(view):
    """Marks every response of `view` as shareable: no cookies, no Vary: Cookie."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, MARK, True)
        return response

    return wrapped


class CookielessResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, MARK, False):
            response.cookies.clear()
            vary = [
                value.strip()
                for value in response.get("Vary", "").split(",")
                if value.strip() and value.strip().lower() != "cookie"
            ]
            if vary:
                response["Vary"] = ", ".join(vary)
            elif "Vary" in response:
                del response["Vary"]
        return response
