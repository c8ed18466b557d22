/* record-acts.c -- the act line of each message a run deletes or
 * redacts, kept as text (listscrub-manifest(5)). */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/incident.h"
#include "audit/manifest.h"
#include "audit/record-private.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "select/select.h"

static int
add_act(struct record *r, const char *file, size_t index, const char *action,
	json_t *obj, struct errbuf *err)
{
	char *line = manifest_line(obj);
	struct act *a;

	json_decref(obj);
	if (line == NULL)
		return errbuf_set(err, "cannot write a manifest line (a value "
				  "that is not an integer or not UTF-8)");
	xgrow((void **)&r->acts, &r->acts_alloc, r->nacts + 1, sizeof *r->acts);
	a = &r->acts[r->nacts++];
	a->file = xstrdup(file);
	a->index = index;
	a->line = line;
	a->action = action;
	return 0;
}

int
record_act(struct record *r, const struct act_input *in,
	   unsigned char mac[DIGEST_LEN], struct errbuf *err)
{
	const struct mailbox *mb = in->mb;
	const struct selected *item = in->item;
	const struct message_change *ch = in->ch;
	const char *file = in->file;
	size_t index_in_file = in->index_in_file;
	unsigned char after[DIGEST_LEN];
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;
	const char *action = in->deferred ? "defer-message"
		: ch && ch->redacted ? "redact-message" : "delete-message";
	json_t *obj;

	if (mailbox_message(mb, item->index, &raw, &len, &off, &owned, err) < 0)
		return -1;
	incident_mac(r->s.incident_key, MAC_MESSAGE, raw, len, mac);
	if (owned)
		free((char *)raw);
	if (ch && ch->redacted)
		memcpy(after, ch->sha256, DIGEST_LEN);
	obj = json_pack(
		"{s:s, s:o, s:o, s:s, s:o, s:o, s:n, s:{s:I, s:I, s:I}, s:o, s:s}",
		"action", action,
		"after", ch && ch->redacted ? digest_json("sha256", after)
		: json_null(),
		"before", digest_json("hmac-sha256", mac), "file", file,
		"hits", hits_json(r, item),
		"mid", item->message_id
		? mac_json(r, MAC_MESSAGE_ID, item->message_id,
			   strlen(item->message_id)) : json_null(),
		"pos_after", "pos_before", "index", (json_int_t)index_in_file,
		"len", (json_int_t)len,
		"off", (json_int_t)(mailbox_kind(mb) == MAILBOX_MAILDIR ? 0 : off),
		"reasons", reasons_json(item->reasons), "t", "act");
	if (ch && ch->redacted)
		json_object_set_new(obj, "spans",
				    json_integer((json_int_t)ch->spans));
	if (item->finishes)     /* left by a run that stopped half-way */
		json_object_set_new(obj, "finishes",
				    json_integer((json_int_t)item->finishes));
	return add_act(r, file, index_in_file, action, obj, err);
}
