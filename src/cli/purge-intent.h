/* purge-intent.h -- a run that opens its incident's manifest directory
 * first accounts for the runs before it that stopped half-way: each
 * intent left there becomes a signed record of what that run did, and
 * the temp directories of killed runs go (audit/record.h). */
#ifndef LISTSCRUB_PURGE_INTENT_H
#define LISTSCRUB_PURGE_INTENT_H

struct incident_key;
struct mailbox_list;
struct ms_secret;
struct next_run;
struct scope;
struct select_settings;
struct selection;

/* Resolve and report; -1 (reported) when an intent cannot be resolved:
 * the run must not go on, lest a change stay unaccounted for. */
int purge_resolve_intents(const struct next_run *next, const struct scope *sc,
			  const struct ms_secret *key,
			  const char *operator_name);

/* After the selection: each change that a run that stopped half-way
 * planned and did not make (record_pending_acts), whose message is still
 * there as it was, goes into sel as that run planned it, marked as
 * finishing it (selected.finishes); a redaction that this run's
 * selectors do not cover is reported instead.  -1 (reported) when the
 * records cannot be read. */
int purge_take_pending(const struct next_run *next, const struct scope *sc,
		       const struct incident_key *key,
		       const struct select_settings *ss,
		       const struct mailbox_list *boxes, struct selection *sel);

#endif
