def csp_nonce(request):
    """django-htmx's {% htmx_script %} reads `csp_nonce`; django-csp 4 puts it on the request."""
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
