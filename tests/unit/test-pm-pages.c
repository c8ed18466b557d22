/* test-pm-pages.c -- a page tied to its message (subject, author, date,
 * reply link), and the page edits of a pipermail deletion, on pages in
 * Mailman's markup of two eras: the tombstone keeps the frame and says
 * nothing of the message, a neighbour links past a removed page, an index
 * loses exactly the entries asked for, the table of contents shows the
 * size as Mailman's sizeof() does. */
#include "config.h"

#include "helpers.h"

#include "act/pm-pages.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "mail/pipermail.h"

/* A message page of Mailman 2.1 (era E3), with a secret in every place
 * a message shows itself. */
static const char page_e3[] =
	"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2//EN\">\n"
	"<HTML>\n <HEAD>\n   <TITLE> [L] Secret subject\n   </TITLE>\n"
	"   <LINK REL=\"Index\" HREF=\"index.html\" >\n"
	"   <LINK REL=\"made\" HREF=\"mailto:l%40example.org?Subject=Secret&In-Reply-To=id%40x\">\n"
	"   <META NAME=\"robots\" CONTENT=\"index,nofollow\">\n"
	"   <META http-equiv=\"Content-Type\" content=\"text/html; charset=us-ascii\">\n"
	"   <LINK REL=\"Previous\"  HREF=\"000004.html\">\n"
	"   <LINK REL=\"Next\"  HREF=\"000007.html\">\n"
	" </HEAD>\n <BODY BGCOLOR=\"#ffffff\">\n"
	"   <H1>[L] Secret subject</H1>\n    <B>Secret Author</B> \n"
	"    <A HREF=\"mailto:l%40example.org?Subject=Secret\"\n"
	"       TITLE=\"[L] Secret subject\">secret at example.org\n       </A><BR>\n"
	"    <I>Mon May 10 11:04:57 EDT 2010</I>\n    <P><UL>\n"
	"        <LI>Previous message: <A HREF=\"000004.html\">[L] Before\n</A></li>\n"
	"        <LI>Next message: <A HREF=\"000007.html\">[L] After\n</A></li>\n"
	"         <LI> <B>Messages sorted by:</B> \n"
	"              <a href=\"date.html#5\">[ date ]</a>\n"
	"         </LI>\n       </UL>\n    <HR>  \n"
	"<!--beginarticle-->\n<PRE>Secret body line\n</PRE>\n\n<!--endarticle-->\n"
	"    <HR>\n    <P><UL>\n        <!--threads-->\n"
	"\t<LI>Previous message: <A HREF=\"000004.html\">[L] Before\n</A></li>\n"
	"\t<LI>Next message: <A HREF=\"000007.html\">[L] After\n</A></li>\n"
	"         <LI> <B>Messages sorted by:</B> \n         </LI>\n       </UL>\n\n"
	"<hr>\n<a href=\"http://example.org/listinfo/l\">More information about the L\n"
	"mailing list</a><br>\n</body></html>\n";

static void
test_pm_pages__links_are_read_in_both_directions(void **state)
{
	struct pm_link prev, next;

	(void)state;
	assert_int_equal(pm_page_link(page_e3, strlen(page_e3), PM_PREVIOUS,
				      &prev, NULL), 0);
	assert_int_equal(pm_page_link(page_e3, strlen(page_e3), PM_NEXT, &next,
				      NULL), 0);
	assert_string_equal(prev.target, "000004.html");
	assert_string_equal(next.target, "000007.html");
	assert_string_equal(prev.tag, "<LINK REL=\"Previous\"  HREF=\"000004.html\">");
	assert_string_equal(next.item, "<LI>Next message: <A HREF=\"000007.html\">"
			    "[L] After\n</A></li>");
	pm_link_release(&prev);
	pm_link_release(&next);
}

static void
test_pm_pages__the_tombstone_keeps_the_frame_and_says_nothing(void **state)
{
	struct pm_link prev, next;
	struct buf out = { 0 };
	struct errbuf err;
	static const char *const secrets[] = {
		"Secret", "secret", "mailto:", "May 10", "#5",
	};

	(void)state;
	pm_page_link(page_e3, strlen(page_e3), PM_PREVIOUS, &prev, NULL);
	pm_page_link(page_e3, strlen(page_e3), PM_NEXT, &next, NULL);
	assert_int_equal(pm_tombstone(page_e3, strlen(page_e3), "Gone <now> & then",
				      &prev, &next, &out, &err), 0);
	for (size_t i = 0; i < N_ELEMENTS(secrets); i++)
		if (strstr(out.p, secrets[i]))
			fail_msg("the tombstone still says \"%s\"", secrets[i]);
	assert_non_null(strstr(out.p, PM_TOMBSTONE_MARK));
	assert_non_null(strstr(out.p, "Gone &lt;now&gt; &amp; then"));
	assert_non_null(strstr(out.p, "charset=us-ascii"));
	assert_non_null(strstr(out.p, "<!--beginarticle-->"));
	assert_non_null(strstr(out.p, "<!--endarticle-->"));
	assert_non_null(strstr(out.p, "noindex,nofollow"));
	assert_non_null(strstr(out.p, "More information about the L"));
	assert_non_null(strstr(out.p, "<LINK REL=\"Next\"  HREF=\"000007.html\">"));
	/* both copies of each navigation item */
	assert_non_null(strstr(strstr(out.p, "[L] After") + 1, "[L] After"));
	pm_link_release(&prev);
	pm_link_release(&next);
	buf_release(&out);
}

static void
test_pm_pages__a_page_not_of_mailman_gets_no_tombstone(void **state)
{
	struct pm_link none = { .tag = (char *)"", .item = (char *)"" };
	struct buf out = { 0 };
	struct errbuf err;
	static const char html[] = "<html><head></head><body>hi</body></html>";

	(void)state;
	assert_int_equal(pm_tombstone(html, strlen(html), "x", &none, &none,
				      &out, &err), -1);
	assert_non_null(strstr(err.msg, "beginarticle"));
	buf_release(&out);
}

static void
test_pm_pages__a_neighbour_links_past_the_removed_page(void **state)
{
	struct pm_link repl = {
		.target = "000009.html",
		.tag = (char *)"<LINK REL=\"Next\"  HREF=\"000009.html\">",
		.item = (char *)"<LI>Next message: <A HREF=\"000009.html\">[L] Later\n</A></li>",
	};
	struct pm_link none = { .tag = (char *)"", .item = (char *)"" };
	struct buf out = { 0 }, out2 = { 0 };
	size_t replaced;

	(void)state;
	pm_page_relink(page_e3, strlen(page_e3), PM_NEXT, &repl, &out, &replaced);
	assert_int_equal(replaced, 3);          /* the tag and both items */
	assert_null(strstr(out.p, "000007.html"));
	assert_null(strstr(out.p, "[L] After"));
	assert_non_null(strstr(out.p, "[L] Before"));   /* the other way kept */
	/* no next page at all: Mailman's empty lines stay */
	pm_page_relink(page_e3, strlen(page_e3), PM_NEXT, &none, &out2, &replaced);
	assert_null(strstr(out2.p, "000007.html"));
	assert_non_null(strstr(out2.p, "\n   \n </HEAD>"));
	assert_int_equal(out2.len, strlen(page_e3) -
			 strlen("<LINK REL=\"Next\"  HREF=\"000007.html\">") -
			 2 * strlen("<LI>Next message: <A HREF=\"000007.html\">[L] After\n</A></li>"));
	buf_release(&out);
	buf_release(&out2);
}

/* thread.html of era I3, and date.html of era I1 (pre-2.0). */
static const char thread_i3[] =
	"<b>Messages:</b> 3<p>\n     <ul>\n\n"
	"<!--0 01273502679/a@x- -->\n"
	"<LI><A HREF=\"000005.html\">[L] Secret subject\n</A><A NAME=\"5\">&nbsp;</A>\n"
	"<I>Secret Author\n</I>\n\n"
	"<UL>\n<!--1 01273502679/a@x-01273502680/b@x- -->\n"
	"<LI><A HREF=\"000006.html\">[L] Re\n</A><A NAME=\"6\">&nbsp;</A>\n"
	"<I>Other\n</I>\n\n</UL>\n"
	"<!--0 01273502690/c@x- -->\n"
	"<LI><A HREF=\"000007.html\">[L] Third\n</A><A NAME=\"7\">&nbsp;</A>\n"
	"<I>Third Author\n</I>\n\n"
	"    </ul>\n";

static void
test_pm_pages__an_index_loses_exactly_its_entries(void **state)
{
	char *pages[] = { (char *)"000005.html" };
	struct buf out = { 0 };
	size_t dropped;
	struct errbuf err;
	static const char expect[] =
		"<b>Messages:</b> 2<p>\n     <ul>\n\n"
		"<UL>\n<!--1 01273502679/a@x-01273502680/b@x- -->\n"
		"<LI><A HREF=\"000006.html\">[L] Re\n</A><A NAME=\"6\">&nbsp;</A>\n"
		"<I>Other\n</I>\n\n</UL>\n"
		"<!--0 01273502690/c@x- -->\n"
		"<LI><A HREF=\"000007.html\">[L] Third\n</A><A NAME=\"7\">&nbsp;</A>\n"
		"<I>Third Author\n</I>\n\n"
		"    </ul>\n";

	(void)state;
	assert_int_equal(pm_index_drop(thread_i3, strlen(thread_i3), pages, 1,
				       &out, &dropped, &err), 0);
	assert_int_equal(dropped, 1);
	assert_string_equal(out.p, expect);
	buf_release(&out);
}

static void
test_pm_pages__a_pre_2_0_index_loses_its_one_line_entry(void **state)
{
	static const char date_i1[] =
		"<b>Messages:</b> 2<p>\n<ul>\n"
		"<LI> <A HREF=\"000000.html\">[R] YAML</A> <A NAME=\"0\"></A><I>G L</I>\n"
		"<LI> <A HREF=\"000001.html\">[R] more</A> <A NAME=\"1\"></A><I>J K</I>\n"
		"</ul>\n";
	char *pages[] = { (char *)"000000.html" };
	struct buf out = { 0 };
	size_t dropped;

	(void)state;
	assert_int_equal(pm_index_drop(date_i1, strlen(date_i1), pages, 1, &out,
				       &dropped, NULL), 0);
	assert_string_equal(out.p, "<b>Messages:</b> 1<p>\n<ul>\n"
			    "<LI> <A HREF=\"000001.html\">[R] more</A> <A NAME=\"1\"></A><I>J K</I>\n"
			    "</ul>\n");
	buf_release(&out);
}

static void
test_pm_pages__the_toc_label_is_mailmans_sizeof(void **state)
{
	static const char toc[] =
		"<td><A href=\"2010-May.txt.gz\">[ Gzip'd Text 52 KB ]</a></td>\n"
		"<td><A href=\"2010-June.txt\">[ Text 826 bytes ]</a></td>\n";
	static const struct { const char *file; unsigned long long size;
			      const char *label; } cases[] = {
		{ "2010-May.txt.gz", 999, "[ Gzip'd Text 999 bytes ]" },
		{ "2010-May.txt.gz", 51999, "[ Gzip'd Text 51 KB ]" },
		{ "2010-May.txt.gz", 2500000, "[ Gzip'd Text 2 MB ]" },
		{ "2010-June.txt", 1000, "[ Text 1 KB ]" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		struct buf out = { 0 };
		bool changed;

		pm_toc_resize(toc, strlen(toc), cases[i].file, cases[i].size,
			      &out, &changed);
		assert_true(changed);
		assert_non_null(strstr(out.p, cases[i].label));
		/* the other row as it was */
		assert_non_null(strstr(out.p, i == 3
			? "<td><A href=\"2010-May.txt.gz\">[ Gzip'd Text 52 KB ]</a></td>\n"
			: "<td><A href=\"2010-June.txt\">[ Text 826 bytes ]</a></td>\n"));
		buf_release(&out);
	}
}

/* A message of a volume text and pages that show it, or show it wrong. */
static const char text_msg[] =
	"From secret at example.org  Mon May 10 10:04:57 2010\n"
	"From: secret at example.org (Secret Author)\n"
	"Date: Mon, 10 May 2010 16:04:57 +0200\n"
	"Subject: [L] Secret subject\n"
	"In-Reply-To: <parent@example.org>\n"
	"Message-ID: <child@example.org>\n\nbody\n";

static char *
replaced(const char *page, const char *from, const char *to)
{
	const char *at = strstr(page, from);
	size_t n = strlen(page) - strlen(from) + strlen(to);
	char *out = malloc(n + 1);

	assert_non_null(at);
	snprintf(out, n + 1, "%.*s%s%s", (int)(at - page), page, to,
		 at + strlen(from));
	return out;
}

/* page_e3 as the page of text_msg, with from changed to to. */
static char *
page_with(const char *from, const char *to)
{
	char *base = replaced(page_e3, "In-Reply-To=id%40x",
			      "In-Reply-To=parent%40example.org");
	char *out = replaced(base, from, to);

	free(base);
	return out;
}

static void
test_pm_pages__a_pair_agrees_in_subject_author_date_and_reply_link(void **state)
{
	static const struct { const char *from, *to; bool ok; } cases[] = {
		{ "In-Reply-To=parent", "In-Reply-To=parent", true },
		{ "In-Reply-To=parent%40example.org", "In-Reply-To=%3Cchild%40example.org%3E", true },
		{ "In-Reply-To=parent%40example.org", "In-Reply-To=other%40example.org", false },
		{ "<B>Secret Author</B>", "<B>Someone Else</B>", false },
		/* rendered later in another zone: whole hours apart */
		{ "Mon May 10 11:04:57 EDT 2010", "Mon May 10 12:04:57 CDT 2010", true },
		{ "Mon May 10 11:04:57 EDT 2010", "Mon May 10 11:05:57 EDT 2010", false },
		{ "[L] Secret subject</H1>", "[L] Another subject</H1>", false },
	};
	struct errbuf err;

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *page = page_with(cases[i].from, cases[i].to);
		int rc = pm_check_pair(page, strlen(page), text_msg,
				       strlen(text_msg), &err);

		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu: %s", i, rc ? err.msg : "agreed");
		free(page);
	}
}

static void
test_pm_pages__a_pre_2_0_page_shows_the_date_field(void **state)
{
	static const char msg[] =
		"From jk@example.edu Sun, 15 Aug 1999 06:47:19 -0400\n"
		"Date: Sun, 15 Aug 1999 06:47:19 -0400\n"
		"From: James K jk@example.edu\n"
		"Subject: [Reality] more release stuffs\n\nthree things\n";
	static const char page[] =
		"<HTML><HEAD></HEAD><BODY>\n<H1>[Reality] more release stuffs</H1>\n"
		"<B>James K</B>\n<A HREF=\"mailto:jk%40example.edu\">jk@example.edu</A><BR>\n"
		"<I>Sun, 15 Aug 1999 06:47:19 -0400</I>\n"
		"<!--beginarticle-->\n<PRE>three things\n</pre>\n<!--endarticle-->\n";
	char *wrong = strdup(page);
	struct errbuf err;

	(void)state;
	assert_int_equal(pm_check_pair(page, strlen(page), msg, strlen(msg),
				       &err), 0);
	memcpy(strstr(wrong, "06:47:19"), "06:48:19", 8);
	assert_int_equal(pm_check_pair(wrong, strlen(wrong), msg, strlen(msg),
				       &err), -1);
	free(wrong);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pm_pages__a_pair_agrees_in_subject_author_date_and_reply_link),
	cmocka_unit_test(test_pm_pages__a_pre_2_0_page_shows_the_date_field),
	cmocka_unit_test(test_pm_pages__links_are_read_in_both_directions),
	cmocka_unit_test(test_pm_pages__the_tombstone_keeps_the_frame_and_says_nothing),
	cmocka_unit_test(test_pm_pages__a_page_not_of_mailman_gets_no_tombstone),
	cmocka_unit_test(test_pm_pages__a_neighbour_links_past_the_removed_page),
	cmocka_unit_test(test_pm_pages__an_index_loses_exactly_its_entries),
	cmocka_unit_test(test_pm_pages__a_pre_2_0_index_loses_its_one_line_entry),
	cmocka_unit_test(test_pm_pages__the_toc_label_is_mailmans_sizeof),
};

RUN_TESTS(tests)
