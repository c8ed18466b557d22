#!/bin/sh
test_description='the bash completion (contrib/listscrub.bash-completion) over the built program'
. "$(dirname "$0")/test-lib.sh"

command -v bash >/dev/null || test_skip_all "bash is not here"
COMPLETION=$TEST_SRCDIR/contrib/listscrub.bash-completion

# complete WORD... -- what the completion offers for the last WORD of a
# command line (bash's COMP_WORDS and COMP_CWORD), sorted, one a line.
complete_words() {
	bash -c '
		. "$1" || exit 2
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_listscrub
		[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort
	' complete "$COMPLETION" "$LISTSCRUB" "$@"
}
# expect WANT... -- the words of "got", in any order, are exactly WANT
expect() {
	printf '%s\n' "$@" | LC_ALL=C sort >want && test_cmp want got
}

test_expect_success 'the file loads in bash and registers for listscrub' '
	bash -c ". \"$COMPLETION\" && complete -p listscrub" >out &&
	grep -q "_listscrub listscrub" out
'

test_expect_success 'the commands, taken from listscrub --help' '
	"$LISTSCRUB" --help | sed -n "s/^  \([a-z][a-z-]*\)  .*/\1/p" >cmds &&
	test -s cmds && grep -qx scan cmds &&
	complete_words "" >got && expect $(cat cmds) --help --version &&
	complete_words p >got && expect purge
'

test_expect_success 'command names after help' '
	complete_words help "" >got && expect $(cat cmds) &&
	complete_words help th >got && expect threads
'

test_expect_success 'every option each command --help lists, and no other' '
	for c in $(grep -vx help cmds); do
		[ "$c" = rules ] && set -- rules list || set -- "$c"
		"$LISTSCRUB" "$@" --help | sed -n "s/^  \(--[a-z0-9-]*\).*/\1/p" | sort >want &&
		test -s want &&
		complete_words "$@" -- >got && test_cmp want got || return 1
	done &&
	complete_words scan --th >got && expect --thread
'

test_expect_success 'values of --thread, --format, --action, --detect, --attachments, --kdf' '
	complete_words scan --thread "" >got && expect subtree whole none &&
	complete_words purge --thread w >got && expect whole &&
	complete_words scan --format "" >got && expect text json &&
	complete_words purge --action "" >got && expect delete redact &&
	complete_words scan --detect "" >got && expect mass-recipients address-lists &&
	complete_words purge --detect a >got && expect address-lists &&
	complete_words purge --attachments "" >got && expect list remove &&
	complete_words keygen --kdf s >got && expect sensitive
'

test_expect_success 'the --option=value form (bash splits the word at =)' '
	complete_words purge --thread = >got && expect subtree whole none &&
	complete_words purge --action = r >got && expect redact
'

test_expect_success 'rules: its subcommands, then the options of the one named' '
	complete_words rules "" >got && expect list check validate &&
	complete_words rules check --e >got && expect --examples
'

test_expect_success 'PATH arguments and FILE and DIR values: files and directories' '
	mkdir arch.d && : >arch.mbox && : >arch.txt &&
	complete_words scan arch >got && expect arch.d arch.mbox arch.txt &&
	complete_words scan --quiet arch. >got && expect arch.d arch.mbox arch.txt &&
	complete_words scan --addresses arch.m >got && expect arch.mbox &&
	complete_words verify --manifest arch >got && expect arch.d
'

test_expect_success 'an ID, address or number takes no files' '
	complete_words scan --address arch >got && test ! -s got &&
	complete_words purge --limit "" >got && test ! -s got
'

test_done
