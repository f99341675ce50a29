"""The readers' site (#17): `digest serve` with the archive, the feeds, sign-up and one-click unsubscribe.

    tokens.py     signed links (itsdangerous): confirmation (expiring), unsubscribe (per recipient), CSRF;
                  the secret from the environment variable `[site] secret_env` names, never a default
    addresses.py  an address as typed -> its normal form (email-validator, no DNS), or a clear refusal
    subscribe.py  sign-up, confirmation and unsubscribing over the state store; who gets each issue
    mail.py       the confirmation message, sent over the email channel's SMTP connection
    limits.py     rate limits per client and per address (sliding windows in memory)
    app.py        the Starlette app: static out/, the index pages with their form, the endpoints
    server.py     uvicorn on host:port, access log, forwarded headers from configured proxies only, SIGTERM

This module imports nothing: the pipeline asks for its slots without loading the web stack.
"""

# Stands for a recipient's own unsubscribe token in a rendered issue (its footer link); the email channel puts
# each recipient's token in its place, and the feeds and archive leave that link out.
TOKEN_SLOT = "DIGEST-UNSUBSCRIBE-TOKEN"
# Stands for the CSRF token in the sign-up form of an index page as publish writes it; `digest serve` puts a
# fresh one in its place on each visit.
CSRF_SLOT = "DIGEST-CSRF-SLOT"
