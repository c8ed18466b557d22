#!/bin/sh
test_description='help, version, usage errors and the man pages'
. "$(dirname "$0")/test-lib.sh"

for cmd in scan purge threads verify keygen; do
	test_expect_success "$cmd --help exits 0 and lists its options" "
		\"\$LISTSCRUB\" $cmd --help >out &&
		grep -q '^usage: listscrub $cmd' out &&
		grep -q -- '^  --' out
	"
	test_expect_success "$cmd has a man page that lints clean" "
		test -f \"\$TEST_SRCDIR/doc/listscrub-$cmd.1\" &&
		if command -v groff >/dev/null; then
			groff -mandoc -ww -z \"\$TEST_SRCDIR/doc/listscrub-$cmd.1\" 2>err &&
			test ! -s err
		fi &&
		grep -q '^\.Sh EXIT STATUS' \"\$TEST_SRCDIR/doc/listscrub-$cmd.1\" &&
		grep -q '^\.Sh EXAMPLES' \"\$TEST_SRCDIR/doc/listscrub-$cmd.1\" &&
		grep -q '^\.Sh CAVEATS' \"\$TEST_SRCDIR/doc/listscrub-$cmd.1\"
	"
done

test_expect_success 'listscrub-manifest(5) lints clean and shows the byte rules' '
	if command -v groff >/dev/null; then
		groff -mandoc -ww -z "$TEST_SRCDIR/doc/listscrub-manifest.5" 2>err &&
		test ! -s err
	fi &&
	grep -q "^\.Ss manifest.jsonl" "$TEST_SRCDIR/doc/listscrub-manifest.5" &&
	grep -q "^lmr1 file=F" "$TEST_SRCDIR/doc/listscrub-manifest.5"
'

test_expect_success 'listscrub-rules(5) lints clean and documents every field, validator and rule' '
	man5=$TEST_SRCDIR/doc/listscrub-rules.5 &&
	if command -v groff >/dev/null; then
		groff -mandoc -ww -z "$man5" 2>err && test ! -s err
	fi &&
	sed -n "/^set_field(/,/^}/p" "$TEST_SRCDIR/src/detect/rules.c" |
		grep -o "strcmp(key, \"[a-z-]*\")" | sed "s/.*\"\(.*\)\")/\1/" >fields &&
	test $(wc -l <fields) -ge 14 &&
	sed -n "/^const char \*const validator_names/,/};/p" "$TEST_SRCDIR/src/detect/validate.c" |
		grep -o "\"[a-z0-9-]*\"" | tr -d "\"" >validators &&
	test $(wc -l <validators) -ge 13 &&
	sed -n "s/^rule  *//p" "$TEST_SRCDIR"/rules/*.rules >ids &&
	cat fields validators ids | while read -r w; do
		grep -q "^\.It Cm $w\b\|^\.Cm $w\b\|^\.It Cm [a-z-]* , $w\b" "$man5" ||
			{ echo "listscrub-rules(5) does not document $w"; return 1; }
	done
'

test_expect_success 'rules --help shows its three subcommands' '
	"$LISTSCRUB" rules --help >out &&
	grep -q "^usage: listscrub rules list" out &&
	grep -q "listscrub rules check" out && grep -q "listscrub rules validate" out
'

test_expect_success 'listscrub(1) lints clean' '
	if command -v groff >/dev/null; then
		groff -mandoc -ww -z "$TEST_SRCDIR/doc/listscrub.1" 2>err && test ! -s err
	fi
'

test_expect_success '--version prints the version' '
	"$LISTSCRUB" --version | grep -q "^listscrub [0-9]"
'

test_expect_code 2 'an unknown command is an error' '"$LISTSCRUB" frobnicate'
test_expect_code 2 'an unknown option is an error' '"$LISTSCRUB" scan --frob x'
test_expect_code 2 'scan without PATH is an error' '"$LISTSCRUB" scan --address a@b.example'
test_expect_code 2 'scan without a selector or rules is an error' '"$LISTSCRUB" scan --no-default-rules "$FIXTURES/basic"'
test_expect_code 2 'a bad address is an error' '"$LISTSCRUB" scan --address nobody "$FIXTURES/basic"'
test_expect_code 2 'a bad date is an error' '"$LISTSCRUB" scan --address a@b.example --since 3/4/2020 "$FIXTURES/basic"'
test_expect_code 2 'a missing PATH is an error' '"$LISTSCRUB" scan --address a@b.example no/such/path'

test_expect_success 'usage errors say what and where to look' '
	! "$LISTSCRUB" scan --address nobody "$FIXTURES/basic" 2>err &&
	grep -q "not an e-mail address" err &&
	grep -q "listscrub scan --help" err
'

test_expect_success 'an address file error names the file and line, not the value' '
	printf "ok@example.org\n# comment\n\nsecret-value\n" >addrs &&
	! "$LISTSCRUB" scan --addresses addrs "$FIXTURES/basic" 2>err &&
	grep -q "addrs:4:" err &&
	! grep -q secret-value err
'

test_expect_success 'every diagnostic of the catalog is explained in listscrub(1)' '
	ids=$(grep -o "\"[a-z][a-z-]*\", DIAG_" "$TEST_SRCDIR/src/lib/diag.c" |
		sed "s/\"\(.*\)\", DIAG_/\1/" | sort -u) &&
	test "$(echo "$ids" | wc -l)" -gt 30 &&
	for id in $ids; do
		test "$id" = none && continue
		grep -q "^\.It Sy $id\$" "$TEST_SRCDIR/doc/listscrub.1" || { echo "$id is not in listscrub(1)"; exit 1; }
	done
'

test_done
