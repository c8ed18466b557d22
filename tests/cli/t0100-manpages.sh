#!/bin/sh
test_description='the manual pages: whatis names, rendered without warnings, every option of each command'
. "$(dirname "$0")/test-lib.sh"

DOC=$TEST_SRCDIR/doc

# How a page is rendered here: man-db's man, else groff, else mandoc.
if command -v man >/dev/null && command -v groff >/dev/null; then
	render() { MANWIDTH=80 man --warnings -l "$1"; }
elif command -v groff >/dev/null; then
	render() { groff -mandoc -Tascii -ww -P-cbou "$1"; }
elif command -v mandoc >/dev/null; then
	render() { mandoc -Tascii -Wwarning "$1"; }
else
	test_skip_all "neither man, groff nor mandoc is installed"
fi

# The rendered text without overstrikes (man-db's col, else sed).
plain() {
	if command -v col >/dev/null; then col -b; else sed "s/.$(printf "\b")//g"; fi
}

# The commands 'listscrub --help' lists, and each one's page: its .1, or
# for rules the .5 that documents the command with the file format.
"$LISTSCRUB" --help >commands.out
COMMANDS=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' commands.out)
page_of() {
	case $1 in
	help) echo "$DOC/listscrub.1" ;;
	*) for p in "$DOC/listscrub-$1.1" "$DOC/listscrub-$1.5"; do
		[ -f "$p" ] && { echo "$p"; return; }
	   done; echo "$DOC/listscrub-$1.1" ;;
	esac
}
PAGES=$(ls "$DOC"/*.[1-8])

test_expect_success 'listscrub --help lists the commands' '
	echo "$COMMANDS" | grep -qx scan && echo "$COMMANDS" | grep -qx purge &&
	test "$(echo "$COMMANDS" | wc -l)" -ge 6
'

# In the C locale and, where it is installed, in C.UTF-8 (other glyphs).
LOCALES=C
locale -a 2>/dev/null | grep -qix "c.utf-\{0,1\}8" && LOCALES="C C.UTF-8"

test_expect_success 'every page renders without a warning' '
	for l in $LOCALES; do
		for p in $PAGES; do
			LC_ALL=$l render "$p" >/dev/null 2>warn ||
				{ echo "$p ($l): render failed"; cat warn; exit 1; }
			if [ -s warn ]; then echo "$p ($l):"; cat warn; exit 1; fi
		done
	done
'

test_expect_success 'every page passes groff -ww (no quoting or macro warnings)' '
	command -v groff >/dev/null || exit 0
	for p in $PAGES; do
		groff -mandoc -ww -z "$p" 2>warn
		if [ -s warn ]; then echo "$p:"; cat warn; exit 1; fi
	done
'

if command -v mandoc >/dev/null; then
	test_expect_success 'mandoc -Tlint finds nothing at warning level' '
		mandoc -Tlint -Wwarning $PAGES
	'
else
	test_skip 'mandoc -Tlint finds nothing at warning level' 'mandoc is not installed'
fi

if command -v lexgrog >/dev/null; then
	test_expect_success 'NAME sections index as listscrub-CMD - description (whatis, apropos)' '
		for p in $PAGES; do
			name=$(basename "$p" | sed "s/\.[1-8]\$//")
			lexgrog "$p" >out || { cat out; exit 1; }
			grep -q "^$p: \"$name - [^\"]\{10,\}\"\$" out ||
				{ echo "wanted \"$name - ...\":"; cat out; exit 1; }
		done
	'
else
	test_skip 'NAME sections index as listscrub-CMD - description' 'lexgrog (man-db) is not installed'
fi

# opts CMD -- the options CMD --help defines (its table and usage lines),
# and those of its subcommands for rules.
opts() {
	{ "$LISTSCRUB" "$1" --help
	  if [ "$1" = rules ]; then
		for s in list check validate; do "$LISTSCRUB" rules $s --help 2>/dev/null; done
	  fi; } | grep -o -- "--[a-z][a-z0-9-]*" | grep -vx -- "--help" | sort -u
}

test_expect_success 'listscrub(1) documents every option of listscrub --help' '
	"$LISTSCRUB" --help | grep -o -- "--[a-z][a-z0-9-]*" | grep -vx -- "--help" |
		sort -u >opts.txt
	LC_ALL=C render "$DOC/listscrub.1" 2>/dev/null | plain >page.txt &&
	while read -r o; do
		grep -q -- "$o" page.txt || { echo "not in listscrub(1): $o"; exit 1; }
	done <opts.txt
'

for cmd in $COMMANDS; do
	test_expect_success "the page of $cmd documents every option of its --help" '
		page=$(page_of $cmd) &&
		test -f "$page" &&
		LC_ALL=C render "$page" 2>/dev/null | plain >page.txt &&
		opts $cmd >opts.txt &&
		python3 - page.txt opts.txt <<-\PY
		import re, sys
		text = open(sys.argv[1]).read()
		# an option broken after one of its hyphens at a line end
		joined = re.sub(r"-\n[ \t]*", "-", text)
		missing = [o for o in open(sys.argv[2]).read().split()
		           if not any(re.search(re.escape(o) + r"(?![a-z0-9-])", t)
		                      for t in (text, joined))]
		if missing:
		    sys.exit("not in the page: " + " ".join(missing))
		PY
	'
done

test_done
