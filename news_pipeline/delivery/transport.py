"""Sending: HTTP POSTs of JSON and SMTP, under the same address policy as the sources.

Every connection goes to an address the policy approved on the resolved IP (loopback,
private, link-local and metadata addresses refused unless the subscriber or the settings
allow them): HTTP through the fetch package's guarded client, which opens the socket to the
very IP it checked; SMTP through `_PinnedSMTP`, which does the same. Each part is retried
with exponential backoff on connection errors, timeouts, 429 and 5xx (and SMTP 4xx); other
answers fail at once. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import httpx

from news_pipeline.delivery.settings import DeliverySettings
from news_pipeline.delivery.verdicts import Judge, Verdict
from news_pipeline.fetch import AddressPolicy, FetchBlocked, FetchSettings, make_client

# A receiver's answer is read only this far: enough for an error message.
MAX_ANSWER_BYTES = 64 * 1024
SMTP_PORTS = {"smtp": 587, "smtps": 465}
# smtplib would otherwise look up this machine's FQDN, which can stall on a host without DNS.
HELO_NAME = socket.gethostname() or "localhost"


@dataclass
class SendOutcome:
    """What happened to one message: parts delivered, attempts made, the last answer."""

    ok: bool
    attempts: int = 0
    parts_sent: int = 0
    code: int | None = None
    detail: str = ""


PartSent = Callable[[int], None]


def policy_for(allow_private_addresses: bool, settings: DeliverySettings) -> AddressPolicy:
    return AddressPolicy(allow_private_addresses, settings.allowed_private_hosts)


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


async def _pause(seconds: float) -> None:
    """Wait between attempts (a module-level seam so tests can record the delays)."""
    if seconds > 0:
        await asyncio.sleep(seconds)


async def _check_address(url: str, policy: AddressPolicy) -> None:
    host = urlsplit(url).hostname or ""
    if not policy.exempt(host, _port(url)):
        await policy.permitted_addresses(host, _port(url))


async def _post_once(
    client: httpx.AsyncClient, url: str, body: bytes, judge: Judge
) -> tuple[Verdict, int | None]:
    """One POST: the verdict on the answer and its status code (None without an answer)."""
    try:
        async with client.stream(
            "POST", url, content=body, headers={"Content-Type": "application/json"}
        ) as response:
            answer = b""
            async for chunk in response.aiter_bytes():
                answer += chunk
                if len(answer) >= MAX_ANSWER_BYTES:
                    break
            verdict = judge(response.status_code, response.headers, answer[:MAX_ANSWER_BYTES])
            return verdict, response.status_code
    except FetchBlocked as error:
        return Verdict(ok=False, detail=str(error)), None
    except httpx.TimeoutException as error:
        return Verdict(ok=False, retryable=True, detail=f"timeout ({type(error).__name__})"), None
    except httpx.TransportError as error:
        cause = error.__cause__ or error.__context__
        if isinstance(cause, FetchBlocked):
            return Verdict(ok=False, detail=str(cause)), None
        detail = f"{type(error).__name__}: {error}"
        return Verdict(ok=False, retryable=True, detail=detail), None


async def post_parts(
    url: str,
    parts: Sequence[bytes],
    judge: Judge,
    policy: AddressPolicy,
    settings: DeliverySettings,
    *,
    start: int = 0,
    on_part_sent: PartSent | None = None,
) -> SendOutcome:
    """POST each part from `start` on, in order; stop at the first part that fails."""
    outcome = SendOutcome(ok=False, parts_sent=start)
    try:
        await _check_address(url, policy)
    except FetchBlocked as error:
        outcome.detail = str(error)
        return outcome
    except OSError as error:
        outcome.detail = f"cannot resolve the host ({error.strerror or error})"
        return outcome
    fetch_settings = FetchSettings(
        user_agent=settings.user_agent,
        connect_timeout=settings.timeout_seconds,
        read_timeout=settings.timeout_seconds,
        total_timeout=settings.timeout_seconds,
        http2=False,
        allowed_private_hosts=settings.allowed_private_hosts,
    )
    async with make_client(fetch_settings, policy) as client:
        for index in range(start, len(parts)):
            if index > start:
                await _pause(settings.part_interval_seconds)
            for attempt in range(1, settings.max_attempts + 1):
                outcome.attempts += 1
                verdict, code = await _post_once(client, url, parts[index], judge)
                outcome.code = code
                outcome.detail = verdict.detail
                if verdict.ok or not verdict.retryable or attempt == settings.max_attempts:
                    break
                await _pause(settings.backoff(attempt, verdict.retry_after))
            if not verdict.ok:
                return outcome
            outcome.parts_sent = index + 1
            if on_part_sent is not None:
                on_part_sent(index + 1)
    outcome.ok = True
    outcome.detail = ""
    return outcome


class _PinnedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose socket goes to the address the policy approved, while the server
    name (for STARTTLS certificate checks) stays the host name. `_get_socket` is the hook
    smtplib.SMTP_SSL itself overrides."""

    def __init__(self, address: str, **kwargs) -> None:
        self._address = address
        super().__init__(**kwargs)

    def _get_socket(self, host, port, timeout):
        return socket.create_connection((self._address, port), timeout, self.source_address)


class _PinnedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, address: str, **kwargs) -> None:
        self._address = address
        super().__init__(**kwargs)

    def _get_socket(self, host, port, timeout):
        raw = socket.create_connection((self._address, port), timeout, self.source_address)
        return self.context.wrap_socket(raw, server_hostname=self._host)


def tls_context(settings: DeliverySettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.tls_ca_file:
        context.load_verify_locations(cafile=settings.tls_ca_file)
    return context


def _smtp_session(
    smtp_url: str, address: str, password: str | None, settings: DeliverySettings, loopback: bool
) -> smtplib.SMTP:
    """A connected, greeted (and, when offered, encrypted and logged-in) SMTP session."""
    parts = urlsplit(smtp_url)
    host = parts.hostname or ""
    port = parts.port or SMTP_PORTS[parts.scheme]
    context = tls_context(settings)
    # Given the host, smtplib connects at once and keeps the name for certificate checks.
    options = {"host": host, "port": port, "timeout": settings.timeout_seconds}
    if parts.scheme == "smtps":
        session: smtplib.SMTP = _PinnedSMTPSSL(
            address, context=context, local_hostname=HELO_NAME, **options
        )
    else:
        session = _PinnedSMTP(address, local_hostname=HELO_NAME, **options)
    try:
        session.ehlo()
        if parts.scheme == "smtp" and session.has_extn("starttls"):
            session.starttls(context=context)
            session.ehlo()
        elif parts.scheme == "smtp" and password and not loopback:
            raise smtplib.SMTPNotSupportedError(
                "the server offers no STARTTLS: the password is not sent in clear"
            )
        if password:
            session.login(unquote(parts.username or ""), password)
    except BaseException:
        session.close()
        raise
    return session


def send_mail(
    message: EmailMessage,
    smtp_url: str,
    password: str | None,
    policy: AddressPolicy,
    settings: DeliverySettings,
) -> SendOutcome:
    """Send one message, retrying connection trouble and 4xx answers with backoff."""
    parts = urlsplit(smtp_url)
    host = parts.hostname or ""
    port = parts.port or SMTP_PORTS[parts.scheme]
    outcome = SendOutcome(ok=False)
    try:
        if policy.exempt(host, port):
            addresses = [host]
        else:
            addresses = asyncio.run(policy.permitted_addresses(host, port))
    except FetchBlocked as error:
        outcome.detail = str(error)
        return outcome
    except OSError as error:
        outcome.detail = f"cannot resolve the host ({error.strerror or error})"
        return outcome
    loopback = password_in_clear_allowed(addresses)
    for attempt in range(1, settings.max_attempts + 1):
        outcome.attempts += 1
        retryable = False
        try:
            with _smtp_session(smtp_url, addresses[0], password, settings, loopback) as session:
                refused = session.send_message(message)
            outcome.ok, outcome.code, outcome.parts_sent = True, 250, 1
            if refused:
                codes = sorted({code for code, _text in refused.values()})
                outcome.detail = f"{len(refused)} recipient(s) refused ({codes})"
            return outcome
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _text in error.recipients.values()})
            outcome.code = codes[0] if codes else None
            outcome.detail = f"every recipient refused ({codes})"
            retryable = all(400 <= code < 500 for code in codes)
        except smtplib.SMTPResponseException as error:
            outcome.code = error.smtp_code
            text = error.smtp_error
            reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            outcome.detail = f"SMTP {error.smtp_code}: {' '.join(reason.split())[:200]}"
            retryable = 400 <= error.smtp_code < 500
        except smtplib.SMTPNotSupportedError as error:
            outcome.detail = str(error)
        except (smtplib.SMTPException, OSError) as error:
            outcome.detail = f"{type(error).__name__}: {error}"
            retryable = not isinstance(error, ssl.SSLCertVerificationError)
        if not retryable or attempt == settings.max_attempts:
            return outcome
        time.sleep(settings.backoff(attempt))
    return outcome


def password_in_clear_allowed(addresses: Sequence[str]) -> bool:
    """Without STARTTLS the password may only go to a server on this machine."""

    def loopback(address: str) -> bool:
        try:
            return ipaddress.ip_address(address).is_loopback
        except ValueError:
            return address == "localhost"

    return bool(addresses) and all(loopback(address) for address in addresses)
