r"""One HyperKitty email as a deterministic RFC 5322 message, and back.

message_bytes() is the only serialisation: listscrub reads it, digests it
(sha256 of these bytes) and edits it; parse_fields() reads an edited one
back into the values that HyperKitty stores. Lines end in LF:

    From hyperkitty@listscrub.invalid <Email.date in UTC, asctime>
    Message-ID: <message_id>
    Date: <date shown in Email.timezone, RFC 5322>
    From: <sender_name> <address>       (just the address without a name)
    Subject: <subject>
    In-Reply-To: <in_reply_to>          (only when set)
    MIME-Version: 1.0
    Content-Type: multipart/mixed; boundary="listscrub-<message_id_hash>"

    --listscrub-<message_id_hash>
    Content-Type: text/plain; charset="utf-8"
    Content-Transfer-Encoding: 8bit     (base64 when a line is over 990
                                         octets, or for CR, NUL, a line
                                         matching ^>*From , or the boundary)

    <content, as stored>
    --listscrub-<message_id_hash>       (per attachment, by counter)
    Content-Type: <content_type>; name="<name>"
    Content-Disposition: attachment; filename="<name>"
    Content-Transfer-Encoding: base64
    X-Listscrub-Attachment: <counter>

    <base64, 76-character lines>
    --listscrub-<message_id_hash>--

Header text that a parser would not give back as is (non-ASCII, control
characters, runs of spaces, "=?", over 900 characters) is written as RFC
2047 base64 words, one per folded line. Attachment names are quoted
strings in UTF-8 as they are (RFC 6532); a name with control characters,
"=?" or over 900 characters uses RFC 2231 (continued when long). An mbox separates messages with one
empty line; no line of a message starts with "From " but the first.
"""
import base64
import hashlib
import re
from datetime import timedelta, timezone
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import format_datetime
from urllib.parse import quote

FROM_LINE_ADDRESS = "hyperkitty@listscrub.invalid"
ATTACHMENT_HEADER = "X-Listscrub-Attachment"

# A header value goes out as is only when a parser gives it back unchanged:
# printable ASCII words separated by single spaces, no encoded-word opener.
_PLAIN_HEADER = re.compile(r"(?:[\x21-\x7e]+(?: [\x21-\x7e]+)*)?")
_PLAIN_MAX = 900
_WORD_OCTETS = 45  # UTF-8 octets per encoded word (72 characters)
_SPECIALS = set('()<>[]:;@\\,."')
_MIME_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")
_QUOTABLE_PARAM = re.compile(r"[^\x00-\x1f\x7f]*")
_PARAM_PIECE = 800  # characters of an RFC 2231 value per header line
_FROM_LINE = re.compile(rb"^>*From ", re.MULTILINE)
_MAX_LINE = 990
_NAME_ADDR = re.compile(r"(.*?)\s*<([^<>]*)>", re.DOTALL)


def message_bytes(email):
    """The message for one Email row, without the mbox separator line.

    Deterministic: the same rows give the same bytes in any process."""
    boundary = "listscrub-" + email.message_id_hash
    head = [
        "From %s %s" % (FROM_LINE_ADDRESS, _utc(email.date).ctime()),
        "Message-ID: <%s>" % _one_line(email.message_id),
        "Date: " + _local_date(email.date, email.timezone),
        "From: " + _from_header(email.sender_name, email.sender.address),
        "Subject: " + _header_text(email.subject or ""),
    ]
    if email.in_reply_to:
        head.append("In-Reply-To: <%s>" % _one_line(email.in_reply_to))
    head += [
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="%s"' % boundary,
        "",
    ]
    text_headers, text_body = _text_part(email.content, boundary)
    parts = [(text_headers, text_body)]
    for attachment in email.attachments.order_by("counter"):
        parts.append(_attachment_part(attachment))
    out = "\n".join(head) + "\n"
    for headers, body in parts:
        # The line break before a boundary belongs to the boundary.
        out += "--%s\n%s\n\n%s\n" % (boundary, "\n".join(headers), body)
    out += "--%s--\n" % boundary
    return out.encode("utf-8")


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def email_digest(email):
    return digest(message_bytes(email))


def _utc(dt):
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _local_date(dt, minutes):
    # A corrupt offset (a day or more) cannot be shown: fall back to UTC.
    offset = timedelta(minutes=minutes or 0)
    if abs(offset) >= timedelta(days=1):
        offset = timedelta(0)
    return format_datetime(_utc(dt).astimezone(timezone(offset)))


def _one_line(value):
    return re.sub(r"[\r\n\0]", "", value)


def _header_text(value):
    if _is_plain(value):
        return value
    return _encoded_words(value)


def _is_plain(value):
    return (len(value) <= _PLAIN_MAX and "=?" not in value
            and _PLAIN_HEADER.fullmatch(value) is not None)


def _encoded_words(value):
    """RFC 2047 base64 words of whole characters, folded one per line."""
    words, chunk = [], b""
    for char in value:
        octets = char.encode("utf-8")
        if len(chunk) + len(octets) > _WORD_OCTETS:
            words.append(chunk)
            chunk = b""
        chunk += octets
    words.append(chunk)
    return "\n ".join("=?utf-8?b?%s?=" % base64.b64encode(w).decode("ascii")
                      for w in words)


def _from_header(name, address):
    address = _one_line(address)
    if not name:
        return address
    if not _is_plain(name):
        return "%s <%s>" % (_encoded_words(name), address)
    if _SPECIALS.intersection(name):
        name = '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')
    return "%s <%s>" % (name, address)


def _needs_base64(data, boundary):
    if b"\r" in data or b"\0" in data or _FROM_LINE.search(data):
        return True
    if any(len(line) > _MAX_LINE for line in data.split(b"\n")):
        return True
    # Content that holds our own boundary would end the part early.
    return ("--" + boundary).encode("ascii") in data


def _base64_lines(data):
    encoded = base64.b64encode(data).decode("ascii")
    return "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def _text_part(content, boundary):
    data = content.encode("utf-8")
    headers = ['Content-Type: text/plain; charset="utf-8"']
    if _needs_base64(data, boundary):
        headers.append("Content-Transfer-Encoding: base64")
        return headers, _base64_lines(data)
    headers.append("Content-Transfer-Encoding: 8bit")
    return headers, content


def _attachment_part(attachment):
    content_type = attachment.content_type or ""
    if not _MIME_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    content = attachment.get_content()
    if isinstance(content, str):  # HyperKitty returns "" for a lost file
        content = content.encode("utf-8")
    name = attachment.name or ""
    headers = [
        "Content-Type: %s;%s" % (content_type, _param("name", name)),
        "Content-Disposition: attachment;%s" % _param("filename", name),
        "Content-Transfer-Encoding: base64",
        "%s: %d" % (ATTACHMENT_HEADER, attachment.counter),
    ]
    return headers, _base64_lines(content)


def _param(key, value):
    """ ' key="value"' (UTF-8 as it is, RFC 6532), or RFC 2231 (continued
    when long) for text a quoted string cannot carry as it is.

    A name is written as it is wherever it can be, so that listscrub
    finds and redacts an address in it as in any header; RFC 2231 would
    hide its "@" as "%40"."""
    if (len(value) <= _PLAIN_MAX and "=?" not in value
            and _QUOTABLE_PARAM.fullmatch(value)):
        return ' %s="%s"' % (
            key, value.replace("\\", "\\\\").replace('"', '\\"'))
    encoded = "utf-8''" + quote(value, safe="")
    if len(encoded) <= _PARAM_PIECE:
        return " %s*=%s" % (key, encoded)
    pieces, start = [], 0
    while start < len(encoded):
        end = min(start + _PARAM_PIECE, len(encoded))
        # Never split a %XX escape.
        percent = encoded.rfind("%", end - 2, end)
        if percent != -1 and end < len(encoded):
            end = percent
        pieces.append(encoded[start:end])
        start = end
    return ";".join("\n %s*%d*=%s" % (key, n, piece)
                    for n, piece in enumerate(pieces))


def parse_fields(data):
    """The stored values a message_bytes()-shaped message carries:
    a dict with message_id, date, in_reply_to (as header text, to detect
    edits HyperKitty cannot store), subject, sender_name, address, content
    and attachments {counter: (name, content_type, bytes)}.
    Raises ValueError when the message does not have that shape."""
    msg = BytesParser(policy=policy.default).parsebytes(data)
    fields = {
        "message_id": str(msg.get("Message-ID", "")),
        "date": str(msg.get("Date", "")),
        "in_reply_to": str(msg.get("In-Reply-To", "")),
        "subject": str(msg.get("Subject", "")),
    }
    fields["sender_name"], fields["address"] = _sender(msg)
    if msg.get_content_type() != "multipart/mixed":
        raise ValueError("not multipart/mixed")
    parts = list(msg.iter_parts())
    if not parts or parts[0].get(ATTACHMENT_HEADER) is not None \
            or parts[0].get_content_type() != "text/plain":
        raise ValueError("the first part is not the text")
    fields["content"] = _payload(parts[0]).decode("utf-8")
    fields["attachments"] = {}
    for part in parts[1:]:
        counter = part.get(ATTACHMENT_HEADER)
        if counter is None or not str(counter).strip().isdigit():
            raise ValueError("a part without a valid %s" % ATTACHMENT_HEADER)
        counter = int(str(counter))
        if counter in fields["attachments"]:
            raise ValueError("attachment %d twice" % counter)
        fields["attachments"][counter] = (
            part.get_filename() or "", part.get_content_type(),
            _payload(part))
    return fields


def _sender(msg):
    """(display name, address) of the one From header, read from the raw
    header: the header registry's address parser puts spaces between
    adjacent encoded words and rejects line breaks in names, and
    parseaddr()'s strictness varies between Python releases."""
    raw = [value for name, value in msg.raw_items() if name.lower() == "from"]
    if len(raw) != 1:
        raise ValueError("not one From header")
    value = re.sub(r"\r?\n(?=[ \t])", "", raw[0])
    value = value.encode("utf-8", "surrogateescape").decode("utf-8").strip()
    match = _NAME_ADDR.fullmatch(value)
    name, address = match.groups() if match else ("", value)
    if not address or "<" in address or ">" in address:
        raise ValueError("the From header holds no address")
    if len(name) > 1 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    elif "=?" in name:
        name = str(make_header(decode_header(name)))
    return name, address


def _payload(part):
    payload = part.get_payload(decode=True)
    if payload is None:
        raise ValueError("a part without a body")
    return payload
