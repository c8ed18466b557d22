#!/usr/bin/env python3
"""mkpipermail.py -- a small but faithful Mailman 2.1 pipermail archive tree.

usage: mkpipermail.py --out DIR [--list NAME] [--seed S] [--messages N]

Writes DIR/archives/private/NAME/ as Mailman 2.1.x does in template era E3
(HTML 3.2, charset META, "user at example.org", thread keys "DATE/MSGID-"; see
doc/listscrub-pipermail.7 and Mailman 2.1's own templates), the raw mbox NAME.mbox/NAME.mbox beside it
and the symlink DIR/archives/public/NAME; prints {"list_dir", "messages":
[{message_id, volume, page, subject, author, address, in_reply_to,
attachment}]} in mbox (= sequence) order.  N >= 6 messages (default 12) over
2-3 months, US/Eastern server time, deterministic for a --seed.  Mailman's
steps are replayed per message: parents by In-Reply-To, References, then the
oldest same subject, within the volume only (the first thread's replies in
the next month start a new root there); and _update_thread_index's re-renders,
each adding a newline before <!--endarticle--> as loadbody_fromHTML does.
Also: scrubbed attachments, a reply quoting a poster's address and the list
footer, a reply threaded by subject, one dated before its parent, one dated
into an earlier volume but delivered late (N >= 10), a folded subject,
Message-IDs whose '-'s inflate the depth, and a quoted-printable "=46rom"
line that reads "From what ..." in the .txt."""
import argparse, base64, gzip, hashlib, json, marshal, os, random, re, sys, textwrap, time, urllib.parse

os.environ["TZ"] = "EST5EDT,M3.2.0,M11.1.0"   # the server's local time: US/Eastern, no tzdata needed
time.tzset()
HOST = "lists.example.org"
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
MONS = " Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ")
MONTHS = " January February March April May June July August September October November December".split(" ")
POSTERS = [  # display name ("" = none), address, UTC offset in minutes, Message-ID style
    ("Alice Moreau", "alice.moreau@example.org", 120, "mutt"), ("Bob van der Berg", "bvdberg@example.com", 60, "tb"),
    ("Chen Wei", "chen.wei@example.net", 480, "gmail"), ("", "jdoe@example.org", -420, "apple"),
    ("Dana Okafor", "dana.okafor@example.com", 0, "mutt"), ("Erik Lindqvist", "erik@example.net", 60, "tb")]
FOLDED = "Deferred from render_GET never fires\n\twhen the client disconnects early"
TOPICS = ["Session cookies & a reverse proxy", "Static files served with the wrong Content-Type",
          "Upgrading from 0.9 to 1.0: template loader changes", "Memory growth in long-running workers",
          "Unicode form fields arrive as bytes", "ANN: release 1.2.0", "Testing a resource without a reactor",
          "Logging request timing per handler", "Virtual hosts and path prefixes",
          "Chunked uploads over TLS stall", "Where do I report a security issue?"]
SENTENCES = """I am seeing this on a fresh install with the default configuration.
The traceback ends in the request handler, not in my own code.
Setting the header by hand works, but it feels like the wrong fix.
The documentation at http://docs.example.org/guide/deploy.html does not mention it.
It only happens behind the proxy; direct connections are fine.
Could this be related to the change in the last release?
A minimal example is about twenty lines, I can post it if that helps.
Restarting the worker makes it go away for a few hours.
That matches what I see in the logs here as well.
I would rather not monkeypatch the framework in production.
The same code worked on the previous version without changes.
Could you file a ticket so that it does not get lost?""".split("\n")
EMAILPAT = re.compile(r"([-+,.\w]+@[-+.\w]+)", re.A)                       # HyperArch.emailpat
URLPAT = re.compile(r"""([a-z]+://.*?)(?:_\s|_$|$|[]})>'"\s])""", re.I | re.A)  # HyperArch.urlpat


def html_quote(s):             # HyperArch.html_quote
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def cgi_escape(s):             # HyperArch.CGIescape: html_quote, existing entities kept
    return re.sub(r"&amp;((?:#[0-9]+|[a-z]+);)", r"&\1", html_quote(s), flags=re.I)


def url_quote(s):              # Python 2 urllib.quote ('~' is not safe there)
    return urllib.parse.quote(s, safe="/").replace("~", "%7E")


def obscure(s):                # ARCHIVER_OBSCURES_EMAILADDRS
    return EMAILPAT.sub(lambda m: m.group(1).replace("@", " at "), s)


def mctime(t):                 # Mailman's i18n.ctime: ctime with the zone name
    tm = time.localtime(t)
    return "%s %s %2d %02d:%02d:%02d %s %04d" % (DAYS[tm.tm_wday], MONS[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                                                tm.tm_min, tm.tm_sec, time.tzname[tm.tm_isdst], tm.tm_year)


def fix_author(a):             # pipermail.fixAuthor: "First van Last" -> "Last van, First"
    L, small = a.split(), ("van", "von", "der", "de")
    if "," in a or len(L) < 2:
        return a
    i = len(L) - 1
    while i > 0 and (L[i - 1].lower() in small or (a not in (a.upper(), a.lower()) and L[i - 1][0].islower())):
        i -= 1
    return " ".join(L[-1:] + L[i:-1]) + ", " + " ".join(L[:i])


# ---------------------------------------------------------------- the messages
def plan(rng, n, year, mon0, nmon):
    """The messages in creation order (dicts: date, deliver, poster, topic, parent, features)."""
    def at(k, day, hour):      # a local time in month k of the run
        y, m = year + (mon0 - 1 + k) // 12, (mon0 - 1 + k) % 12 + 1
        return int(time.mktime((y, m, day, hour, rng.randint(0, 59), rng.randint(0, 59), 0, 0, -1)))

    def add(t, topic, parent=None):
        who = [p for p in POSTERS if parent is None or p != parent["poster"]]
        msgs.append(dict(date=t, deliver=t + rng.randint(3, 120), poster=rng.choice(who), topic=topic,
                         parent=parent, links=True, quote_addr=False, attach=None, qp=False))
        return msgs[-1]
    topics, msgs, others = TOPICS[:], [], []
    rng.shuffle(topics)
    topics.insert(1, FOLDED)                                # the first thread after thread A
    new_topic = lambda: topics.pop(0) if topics else "Follow-up %d on %s" % (len(msgs), TOPICS[len(msgs) % 11])
    root = add(at(0, 26, 9), new_topic())                   # thread A runs into month 1
    r1 = add(root["date"] + rng.randint(72000, 108000), root["topic"], root)
    r1["quote_addr"] = True                                 # quotes the root poster's address and the list footer
    r2 = add(at(1, 1, 14), root["topic"], r1)               # becomes a root in month 1's volume
    add(r2["date"] + rng.randint(7200, 32400), root["topic"], r2)
    if n >= 10:                                             # dated in month 0, delivered in month 1
        late = add(at(0, 12, 11), topics.pop() if topics else "A late one")
        late["deliver"] = at(1, 4, 10)
    while len(msgs) < n:
        th = [add(at((len(others) + 2) % nmon, rng.randint(3, 20), rng.randint(7, 20)), new_topic())]
        for _ in range(min(rng.randint(1, 3), n - len(msgs))):
            th.append(add(th[-1]["date"] + rng.randint(1800, 108000), th[0]["topic"], rng.choice(th[-2:])))
        others.append(th)
    flat = [m for th in others for m in th]
    flat[0]["attach"] = ("trace.dat", rng.randint(1500, 3500))
    if n >= 12 and len(flat) > 1:
        flat[-1]["attach"] = ("core-sample.bin", rng.randint(300, 900))
    plain = [m for m in flat if not m["attach"]]
    plain[0]["qp"] = True
    replies = [m for m in plain if m["parent"]]
    for m in [m for m in replies if m["parent"]["parent"] is None][:1]:
        m["links"] = False                                  # no In-Reply-To/References: threaded by subject
    for m in [m for m in replies if m["links"]][-1:]:       # Date: earlier than its parent's
        m["date"] = m["parent"]["date"] - rng.randint(120, 1500)
    for m in msgs:
        name, addr, off, style = m["poster"]
        tm = time.gmtime(m["date"] + off * 60)              # the Date: header in the poster's zone
        m["datestr"] = "%s, %d %s %d %02d:%02d:%02d %s%04d" % (DAYS[tm.tm_wday], tm.tm_mday, MONS[tm.tm_mon],
                                                               tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec,
                                                               "-+"[off >= 0], abs(off) // 60 * 100 + abs(off) % 60)
        m["ymd"] = "%04d%02d%02d" % tm[:3]
        m["msgid"] = make_msgid(rng, style, m["date"])
        m["body"] = body_of(rng, m)
    return sorted(msgs, key=lambda m: m["deliver"])


def make_msgid(rng, style, t):   # as mutt, Thunderbird, Gmail and Apple Mail make them
    hexs = lambda k: "".join(rng.choice("0123456789ABCDEF") for _ in range(k))
    if style == "mutt":
        return "%s.G%s%d@laptop.example.org" % (time.strftime("%Y%m%d%H%M%S", time.gmtime(t)), rng.choice("ABCDE"),
                                                rng.randint(1000, 32000))
    if style == "tb":
        return "%08X.%07d@example.com" % (t, rng.randint(1000000, 9999999))
    if style == "gmail":
        return "AANLkTi%s-%s@mail.gmail.com" % (hexs(18), hexs(11).lower())
    return "%s-%s-%s-%s-%s@example.org" % tuple(hexs(k) for k in (8, 4, 4, 4, 12))


def body_of(rng, m):
    name, addr = m["poster"][:2]
    text = textwrap.fill(" ".join(rng.sample(SENTENCES, rng.randint(2, 3))), 68)
    if m["qp"]:                # a paragraph that starts "From " (sent as "=46rom ")
        s = " ".join(rng.sample(SENTENCES, 2))
        text += "\n\n" + textwrap.fill("From what I can tell, " + s[0].lower() + s[1:], 68)
    sign = (name.split()[0] if name else addr.split("@")[0]) + "\n"
    p = m["parent"]
    if p is None:
        return rng.choice(["Hi all,", "Hello,", "Hi,"]) + "\n\n" + text + "\n\nThanks,\n" + sign
    pname, paddr = p["poster"][:2]
    who = (pname + " <%s>" % paddr if pname else paddr) if m["quote_addr"] else (pname or paddr)
    own = [l for l in p["body"].split("\n") if l and not l.startswith((">", "On ", "Hi", "Hello"))]
    quote = "On %s, %s wrote:\n" % (p["datestr"], who) + "".join("> %s\n" % l for l in own[:3])
    if m["quote_addr"]:
        quote += ("> _______________________________________________\n> %(R)s mailing list\n> %(R)s@%(H)s\n"
                  "> http://%(H)s/mailman/listinfo/%(L)s\n") % dict(R=REAL, H=HOST, L=LIST)
    return quote + "\n" + text + "\n\n" + sign


def mbox_entry(m):
    """The message as the list's mbox holds it (after Mailman's CookHeaders); sets its scrubbed body."""
    name, addr = m["poster"][:2]
    p = m["parent"] if m["links"] else None
    m["refs"] = p["refs"] + [p["msgid"]] if p else []
    h = ["From %s  %s" % (addr, time.ctime(m["deliver"])), "Return-Path: <%s>" % addr, "Date: " + m["datestr"],
         "From: " + ("%s <%s>" % (name, addr) if name else addr), "To: %s@%s" % (LIST, HOST),
         "Subject: " + ("Re: " if m["parent"] else "") + m["subject"], "Message-ID: <%s>" % m["msgid"]]
    if p:
        h += ["In-Reply-To: <%s>" % p["msgid"], "References: " + "\n\t".join("<%s>" % r for r in m["refs"])]
    body = raw = m["body"]
    m["ctype"], m["cenc"] = "text/plain; charset=us-ascii", "quoted-printable" if m["qp"] else "7bit"
    if m["attach"]:
        fname, size = m["attach"]
        m["attach_data"] = data = bytes(random.Random(m["msgid"]).getrandbits(8) for _ in range(size))
        sha = hashlib.sha1(("<%s>" % m["msgid"]).encode()).hexdigest()   # Scrubber.calculate_attachments_dir
        m["attach_path"] = "attachments/%s/%s/attachment.bin" % (m["ymd"], sha[:4] + sha[-4:])
        b = "===============%d==" % (m["date"] % 10 ** 9)
        h.append('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="%s"' % b)
        raw = ("--%s\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n%s\n--%s\n"
               'Content-Type: application/octet-stream; name="%s"\nContent-Transfer-Encoding: base64\n'
               'Content-Disposition: attachment; filename="%s"\n\n%s\n--%s--\n') % (
            b, body, b, fname, fname, "\n".join(textwrap.wrap(base64.b64encode(data).decode(), 76)), b)
        body += ("-------------- next part --------------\nA non-text attachment was scrubbed...\nName: %s\n"
                 "Type: application/octet-stream\nSize: %d bytes\nDesc: not available\n"
                 "URL: http://%s/pipermail/%s/%s\n") % (fname, size, HOST, LIST, m["attach_path"])
        m["ctype"] = 'text/plain; charset="us-ascii"'   # what Scrubber leaves
    else:
        h.append("MIME-Version: 1.0\nContent-Type: %s\nContent-Transfer-Encoding: %s" % (m["ctype"], m["cenc"]))
        raw = re.sub(r"(?m)^From ", "=46rom ", raw) if m["qp"] else raw
    h += ["Precedence: list", "List-Id: %s <%s.%s>" % (REAL, LIST, HOST), "Sender: %s-bounces@%s" % (LIST, HOST)]
    m["scrubbed"] = body
    return "\n".join(h) + "\n\n" + re.sub(r"(?m)^From ", ">From ", raw) + "\n\n"


# ---------------------------------------------------------------- archiving
def archive(msgs):
    """Replay HyperArchive.add_article and update_dirty_archives for each message, in mbox order."""
    vols = {}
    for seq, m in enumerate(msgs):
        name, addr = m["poster"][:2]
        a = dict(m=m, seq=seq, file="%06d.html" % seq, msgid=m["msgid"], date=m["date"], renders=0,
                 subject=m["subject"], dsubject="".join(m["subject"].splitlines()), email=obscure(addr),
                 author=name or obscure(addr), irt=m["refs"][-1] if m["refs"] else "", refs=m["refs"])
        a["stripped"] = re.sub(r"^((RE|AW|SV|VS)(\[\d+\])?:\s*)+", "",     # E3 keeps the whitespace
                               a["dsubject"].replace("[%s]" % REAL, "", 1).lstrip(), flags=re.I)
        tm = time.localtime(a["date"])
        V = vols.setdefault("%d-%s" % (tm.tm_year, MONTHS[tm.tm_mon]), [])
        ids = {x["msgid"]: x for x in V}                    # parents only within the volume
        parent = ids.get(a["irt"])
        a["via_irt"] = parent is not None                   # then parentID is the in_reply_to object
        refs = [ids[r] for r in a["refs"] if r in ids]
        if parent is None and refs:                         # the latest-dated (the first of equals)
            parent = max(refs, key=lambda x: x["date"])
        if parent is None:
            same = [x for x in V if x["stripped"].lower() == a["stripped"].lower()]
            parent = min(same, key=lambda x: (x["date"], x["msgid"])) if same else None
        a["parent"] = parent
        a["key"] = (parent["key"] if parent else "") + "%011d/%s-" % (a["date"], a["msgid"])
        V.append(a)
        order = sorted(V, key=lambda x: (x["key"], x["msgid"])) + [None] * 3
        changed, L = {a["msgid"]}, [None, None] + order[:3]  # _update_thread_index's 5-article window
        for nxt in order[3:]:
            if L[2] is None:
                break
            if L[2]["msgid"] in changed:                    # re-render it, mark next, re-render previous
                L[2]["renders"] += 1
                if L[3]:
                    changed.add(L[3]["msgid"])
                if L[1] and L[1]["msgid"] not in changed:
                    L[1]["renders"] += 1
                elif L[1]:
                    changed.discard(L[1]["msgid"])
            L = L[1:] + [nxt]
    return vols


def pickle0(obj, inst=None):
    """Protocol-0 pickle text as Python 2's cPickle writes it (S V I F N, pN/gN memo), made as text (no
    pickle module).  A dict key seen before becomes gN (interned in Python 2); so does a value ("g", NAME)
    that is the same object as an earlier value ("S", text, NAME)."""
    out, memo = [], {"#": 0}

    def put():
        memo["#"] += 1
        out.append("p%d\n" % memo["#"])
        return memo["#"]

    def val(v):
        kind = v[0] if isinstance(v, tuple) else type(v).__name__
        if kind == "S":
            memo[v[2]] = val(v[1])
        elif kind == "g":
            out.append("g%d\n" % memo[v[1]])
        elif kind == "F":
            out.append("F%d\n" % v[1])
        elif kind == "int":
            out.append("I%d\n" % v)
        elif v is None:
            out.append("N")
        elif kind == "V":
            out.append("V%s\n" % v[1].replace("\\", "\\u005c").replace("\n", "\\u000a"))
            return put()
        elif kind == "str":    # repr() of a Python 2 str
            q = '"' if "'" in v and '"' not in v else "'"
            s = v.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
            out.append("S%s%s%s\n" % (q, s.replace("'", "\\'") if q == "'" else s, q))
            return put() if len(v) > 1 else None            # cPickle memoizes no 0- or 1-char strings
        else:
            out.append("(l" if kind == "list" else "(d")
            put()
            for k in v:
                if kind == "dict" and ("key", k) in memo:
                    out.append("g%d\n" % memo[("key", k)])
                elif kind == "dict":
                    memo[("key", k)] = val(k)
                val(k if kind == "list" else v[k])
                out.append("a" if kind == "list" else "s")
    if inst:
        out.append("(i%s\n%s\n" % inst)
        put()
    val(obj)
    return "".join(out) + ("b." if inst else ".")


def article_pickle(a):
    """A VOL-article value: HyperArch.Article's state, in the key order seen in the corpus."""
    m, pid = a["m"], a["parent"]["msgid"] if a["parent"] else None
    return pickle0({
        "body": [], "decoded": {"stripped": ("V", a["stripped"]), "subject": ("V", a["dsubject"]),
                                "email": ("V", a["email"]), "author": ("V", a["author"])},
        "_in_reply_to": "<%s>" % a["irt"] if a["irt"] else None, "sequence": a["seq"],
        "_references": "\n\t".join("<%s>" % r for r in a["refs"]) or None, "ctype": m["ctype"],
        "email": ("S", a["email"], "email"), "references": list(a["refs"]),
        "parentID": ("S", pid, "parent") if pid else None, "date": "%011d" % a["date"], "threadKey": a["key"],
        "subject": a["subject"], "in_reply_to": ("g", "parent") if a["via_irt"] else a["irt"],
        "_last_article_time": ("F", a["date"]),
        "author": a["author"] if m["poster"][0] else ("g", "email"),   # author is email: one object
        "msgid": a["msgid"], "filename": a["file"], "headers": {}, "fromdate": time.ctime(a["date"]),
        "datestr": m["datestr"], "__listname": LIST, "cenc": m["cenc"], "_lang": "en",
        "_message_id": "<%s>" % a["msgid"]}, ("Mailman.Archiver.HyperArch", "Article"))


# ---------------------------------------------------------------- the E3 templates
SORTED = """         <LI> <B>Messages sorted by:</B>\x20
              <a href="date.html#%(seq)d">[ date ]</a>
              <a href="thread.html#%(seq)d">[ thread ]</a>
              <a href="subject.html#%(seq)d">[ subject ]</a>
              <a href="author.html#%(seq)d">[ author ]</a>
         </LI>
       </UL>
"""
ARTICLE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2//EN">
<HTML>
 <HEAD>
   <TITLE> %(title)s
   </TITLE>
   <LINK REL="Index" HREF="index.html" >
   <LINK REL="made" HREF="mailto:%(mailto)s">
   <META NAME="robots" CONTENT="index,nofollow">
   <META http-equiv="Content-Type" content="text/html; charset=us-ascii">
   %(prev)s
   %(next)s
 </HEAD>
 <BODY BGCOLOR="#ffffff">
   <H1>%(title)s</H1>
    <B>%(author)s</B>\x20
    <A HREF="mailto:%(mailto)s"
       TITLE="%(title)s">%(email)s
       </A><BR>
    <I>%(date)s</I>
    <P><UL>
        %(prev_li)s
        %(next_li)s
""" + SORTED + """    <HR>\x20\x20
<!--beginarticle-->
%(body)s<!--endarticle-->
    <HR>
    <P><UL>
        <!--threads-->
\t%(prev_li)s
\t%(next_li)s
""" + SORTED + """
<hr>
<a href="%(listinfo)s">More information about the %(listname)s
mailing list</a><br>
</body></html>
"""
IDX_REFS = """         <li> <b>Messages sorted by:</b>
\t        %(thread_ref)s
\t\t%(subject_ref)s
\t\t%(author_ref)s
\t\t%(date_ref)s
"""
IDX_INFO = """\t     <li><b><a href="%(listinfo)s">More info on this list...
                    </a></b></li>
"""
IDX_HEAD = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2//EN">
<HTML>
  <HEAD>
     <title>The %(listname)s %(archive)s Archive by %(archtype)s</title>
     <META NAME="robots" CONTENT="noindex,follow">
     <META http-equiv="Content-Type" content="text/html; charset=us-ascii">
  </HEAD>
  <BODY BGCOLOR="#ffffff">
      <a name="start"></A>
      <h1>%(archive)s Archives by %(archtype)s</h1>
      <ul>
""" + IDX_REFS + "\n" + IDX_INFO + """      </ul>
      <p><b>Starting:</b> <i>%(firstdate)s</i><br>
         <b>Ending:</b> <i>%(lastdate)s</i><br>
         <b>Messages:</b> %(size)d<p>
     <ul>

"""
IDX_FOOT = """    </ul>
    <p>
      <a name="end"><b>Last message date:</b></a>\x20
       <i>%(lastdate)s</i><br>
    <b>Archived on:</b> <i>%(archivedate)s</i>
    <p>
   <ul>
""" + IDX_REFS + IDX_INFO + """     </ul>
     <p>
     <hr>
     <i>This archive was generated by
     Pipermail 0.09 (Mailman edition).</i>
  </BODY>
</HTML>

"""
TOC_ROW = """
\t    <tr>
            <td>%(label)s:</td>
            <td>
              <A href="%(v)s/thread.html">[ Thread ]</a>
              <A href="%(v)s/subject.html">[ Subject ]</a>
              <A href="%(v)s/author.html">[ Author ]</a>
              <A href="%(v)s/date.html">[ Date ]</a>
            </td>
            <td><A href="%(v)s.txt.gz">[ Gzip'd Text%(size)s]</a></td>
            </tr>

"""
TOC = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2//EN">
<HTML>
  <HEAD>
     <title>The %(listname)s Archives</title>
     <META NAME="robots" CONTENT="noindex,follow">
     <META http-equiv="Content-Type" content="text/html; charset=us-ascii">
  </HEAD>
  <BODY BGCOLOR="#ffffff">
     <h1>The %(listname)s Archives </h1>
     <p>
      You can get <a href="%(listinfo)s">more information about this list</a>.
     </p>
    \x20
     \t<table border=3>
          <tr><td>Archive</td>
          <td>View by:</td>
          <td>Downloadable version</td></tr>

     %(rows)s
              </table>

     </BODY>
     </HTML>
"""


def body_html(body):
    """HyperArchive.format_article + __processbody_URLquote: quoted lines in <i>, links, escaping."""
    lines = []
    for L in body.splitlines(True):
        prefix = suffix = L2 = ""
        q = re.match(r"^([>|:]|&gt;)+", L)
        if q:
            prefix, suffix, L = cgi_escape(L[:q.end()]) + "<i>", "</I>", L[q.end():]
        while EMAILPAT.search(L) or URLPAT.search(L):
            jr, kr = EMAILPAT.search(L), URLPAT.search(L)
            if jr and (not kr or jr.start() < kr.start()):      # an address: the listinfo URL, obscured
                pos, text, url, shown = jr.start(), jr.group(1), LISTINFO, obscure(jr.group(1))
            else:
                pos, text = kr.start(), kr.group(1)
                url = shown = text
            L2 += '%s<A HREF="%s">%s</A>' % (cgi_escape(L[:pos]), html_quote(url), cgi_escape(shown))
            L = L[pos + len(text):]
        lines.append(prefix + L2 + cgi_escape(L) + suffix)
    return "<PRE>" + "".join(lines) + "</PRE>"


def page(a, prev, nxt):
    def li(label, x):
        return '<LI>%s message: <A HREF="%s">%s\n</A></li>' % (label, x["file"], html_quote(x["dsubject"])) if x else ""
    mailto = "%s?Subject=%s&In-Reply-To=%s" % (url_quote("%s@%s" % (LIST, HOST)), url_quote(a["subject"]),
                                              url_quote(a["irt"]))   # E3: this message's own In-Reply-To
    return ARTICLE % dict(
        title=html_quote(a["dsubject"]), mailto=mailto, author=html_quote(a["author"]),
        email=html_quote(a["email"]), date=html_quote(mctime(a["date"])), seq=a["seq"], listinfo=LISTINFO,
        listname=REAL, prev='<LINK REL="Previous"  HREF="%s">' % prev["file"] if prev else "",
        next='<LINK REL="Next"  HREF="%s">' % nxt["file"] if nxt else "", prev_li=li("Previous", prev),
        next_li=li("Next", nxt),
        # one newline after the first write, one more per re-render (loadbody_fromHTML keeps "</PRE>\n")
        body=body_html(a["m"]["scrubbed"]) + "\n" * (1 + a["renders"]))


def as_text(a):                # HyperArch.Article.as_text
    h = ["From %s  %s" % (a["email"], time.ctime(a["date"])), "From: %s (%s)" % (a["email"], a["author"]),
         "Date: " + a["m"]["datestr"], "Subject: " + a["subject"]]
    h += ["In-Reply-To: <%s>" % a["irt"]] if a["irt"] else []
    h += ["References: " + "\n\t".join("<%s>" % r for r in a["refs"])] if a["refs"] else []
    return "\n".join(h + ["Message-ID: <%s>" % a["msgid"]]) + "\n\n" + obscure(a["m"]["scrubbed"]) + "\n"


def volume(vol, arts, archivedate):
    """The 4 index pages and the 5 database dicts of a volume, and its last thread depth."""
    b = lambda s: s.encode()
    D, M = (lambda a: b("%011d" % a["date"])), (lambda a: b(a["msgid"]))
    keyfn = {"date": lambda a: (D(a), M(a)), "author": lambda a: (fix_author(a["author"]), D(a), M(a)),
             "subject": lambda a: (a["stripped"].lower(), D(a), M(a)), "thread": lambda a: (b(a["key"]), M(a))}
    db = {kind: {f(a): M(a) for a in arts} for kind, f in keyfn.items()}   # all values: the msgid
    db["article"] = {M(a): b(article_pickle(a)) for a in arts}
    by, keys = {a["msgid"]: a for a in arts}, sorted(db["date"])
    y, m = vol.split("-")
    d = dict(listname=REAL, archive="%s %s" % (m, y), listinfo=LISTINFO, size=len(keys),
             firstdate=mctime(int(keys[0][0])), lastdate=mctime(int(keys[-1][0])), archivedate=mctime(archivedate))
    pages = {}
    for kind in ("date", "subject", "author", "thread"):
        d.update(("%s_ref" % t, "" if t == kind else '<a href="%s.html#start">[ %s ]</a>' % (t, t))
                 for t in ("thread", "subject", "author", "date"))
        d["archtype"] = kind
        out, depth = [IDX_HEAD % d], 0
        for k in sorted(db[kind]):
            a = by[db[kind][k].decode()]
            if kind == "thread":                            # THREADLEVELS = 3
                dep = min(a["key"].count("-") - 1, 3)
                out.append("</UL>\n" * (depth - dep) + "<UL>\n" * (dep - depth) + "<!--%d %s -->\n" % (dep, a["key"]))
                depth = dep
            out.append('<LI><A HREF="%s">%s\n</A><A NAME="%d">&nbsp;</A>\n<I>%s\n</I>\n\n' % (
                a["file"], cgi_escape(a["dsubject"]), a["seq"], cgi_escape(obscure(a["author"]))))
        pages[kind] = "".join(out) + "</UL>\n" * depth + IDX_FOOT % d
    return pages, db, depth


def write_volume(top, vol, arts):
    """VOL/ (pages, indexes, index.html symlink), VOL.txt, VOL.txt.gz and database/VOL-*."""
    vdir = os.path.join(top, vol)
    os.makedirs(vdir)
    os.symlink("thread.html", os.path.join(vdir, "index.html"))
    archivedate = max(a["m"]["deliver"] for a in arts) + 7 + arts[-1]["seq"] % 23
    pages, db, depth = volume(vol, arts, archivedate)
    order = sorted(arts, key=lambda x: (x["key"], x["msgid"]))
    for i, a in enumerate(order):                           # Previous/Next: thread order within the volume
        open(os.path.join(vdir, a["file"]), "w").write(
            page(a, order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None))
    for kind, text in pages.items():
        open(os.path.join(vdir, kind + ".html"), "w").write(text)
    for kind, d in db.items():                              # version 2: what Mailman's Python 2 reads
        open(os.path.join(top, "database", "%s-%s" % (vol, kind)), "wb").write(marshal.dumps(d, 2))
    txt = "".join(as_text(a) for a in arts).encode()
    open(os.path.join(top, vol + ".txt"), "wb").write(txt)
    with open(os.path.join(top, vol + ".txt.gz"), "wb") as f, \
            gzip.GzipFile(vol + ".txt", "wb", 9, f, mtime=archivedate) as g:
        g.write(txt)
    return dict(archive=vol, dates=sorted(db["date"]), archivedate=archivedate, depth=depth, size=len(arts))


def write_pck(top, archives, nseq, last):
    """pipermail.pck: the HyperArchive state, as left by archiving the last message (into volume last)."""
    y4, m2, d2 = r"(?P<year>[0-9]{4,4})", r"(?P<month>[01][0-9])", r"(?P<day>[0123][0-9])"
    asc = lambda t: time.asctime(time.localtime(t))
    open(os.path.join(top, "pipermail.pck"), "w").write(pickle0({
        "lang": "en", "_volre": {"month": "^" + y4 + "-(?P<month>[a-zA-Z]+)$", "week": "^Week-of-Mon-" + y4 + m2 + d2,
                                 "quarter": "^" + y4 + "q(?P<quarter>[1234])$", "day": "^" + y4 + m2 + d2 + "$",
                                 "year": "^" + y4 + "$"},
        "archives": archives, "update_TOC": 0, "sequence": nseq, "basedir": "/var/lib/mailman/archives/private/" + LIST,
        "depth": last["depth"], "version": "0.09 (Mailman edition)", "lastdate": asc(int(last["dates"][-1][0])),
        "archivedate": asc(last["archivedate"]), "_dirty_archives": [], "firstdate": asc(int(last["dates"][0][0])),
        "_charsets": {}, "type": "Thread", "archive": last["archive"], "size": last["size"]}))


def main():
    global LIST, REAL, LISTINFO
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--list", default="demo-list")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--messages", type=int, default=12)
    args = ap.parse_args()
    if args.messages < 6:
        ap.error("--messages must be at least 6")
    LIST, REAL = args.list, args.list[:1].upper() + args.list[1:]      # real_name; subject prefix [REAL]
    LISTINFO = "http://%s/mailman/listinfo/%s" % (HOST, LIST)
    top = os.path.join(args.out, "archives", "private", LIST)
    if os.path.lexists(top):
        sys.exit("mkpipermail: %s exists" % top)
    rng = random.Random(args.seed)
    msgs = plan(rng, args.messages, rng.randint(2009, 2012), rng.randint(1, 10), 3 if args.messages >= 9 else 2)
    os.makedirs(os.path.join(top, "database"))
    os.makedirs(top + ".mbox")
    with open(os.path.join(top + ".mbox", LIST + ".mbox"), "w") as f:
        for m in msgs:
            m["subject"] = "[%s] %s" % (REAL, m["topic"])
            f.write(mbox_entry(m))
    vols = archive(msgs)
    for m in msgs:
        if m["attach"]:
            os.makedirs(os.path.dirname(os.path.join(top, m["attach_path"])))
            open(os.path.join(top, m["attach_path"]), "wb").write(m["attach_data"])
    summary, state = [], {}
    for vol, arts in vols.items():
        state[vol] = write_volume(top, vol, arts)
        summary += [(a["seq"], dict(message_id=a["msgid"], volume=vol, page=a["file"], subject=a["dsubject"],
                                    author=a["author"], address=a["m"]["poster"][1], in_reply_to=a["irt"] or None,
                                    attachment=a["m"].get("attach_path"))) for a in arts]
    archives = sorted(vols, key=lambda v: (v[:4], MONTHS.index(v[5:])), reverse=True)   # newest first
    sizeof = lambda n: (" %i bytes " % n if n < 1000 else " %d KB " % (n // 1000) if n < 10 ** 6
                        else " %d MB " % (n // 10 ** 6))   # HyperArch.sizeof: decimal, truncated
    rows = "".join(TOC_ROW % dict(label="%s %s" % (v[5:], v[:4]), v=v,
                                  size=sizeof(os.path.getsize(os.path.join(top, v + ".txt.gz")))) for v in archives)
    open(os.path.join(top, "index.html"), "w").write(TOC % dict(listname=REAL, listinfo=LISTINFO, rows=rows))
    write_pck(top, archives, len(msgs), next(state[v] for v, arts in vols.items() if arts[-1]["m"] is msgs[-1]))
    os.makedirs(os.path.join(args.out, "archives", "public"), exist_ok=True)
    os.symlink("../private/" + LIST, os.path.join(args.out, "archives", "public", LIST))
    json.dump(dict(list_dir=top, messages=[s for _, s in sorted(summary)]), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
