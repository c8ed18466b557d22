#!/bin/sh
test_description='rules: every rule against its examples; the default sweep; mass disclosure'
. "$(dirname "$0")/test-lib.sh"

RULES=$TEST_SRCDIR/rules

test_expect_success 'every rule file compiles and passes its examples' '
	"$LISTSCRUB" rules check --examples "$TEST_SRCDIR/tests/rules" "$RULES"/*.rules >out &&
	grep "0 example lines failed" out
'

test_expect_success 'a wrong example makes rules check fail' '
	mkdir ex && cp "$TEST_SRCDIR"/tests/rules/*.txt ex/ &&
	echo "- IBAN DE89 3704 0044 0532 0130 00" >>ex/iban.txt &&
	expect_status 1 "$LISTSCRUB" rules check --examples ex "$RULES"/finance.rules
'

test_expect_success 'a rule without examples is an error' '
	rm ex/card.txt &&
	expect_status 2 "$LISTSCRUB" rules check --examples ex "$RULES"/finance.rules
'

test_expect_success 'a broken rule file names file and line' '
	printf "rule x\n  pattern = (unclosed\n  prefilter = none\n" >bad.rules &&
	expect_status 2 "$LISTSCRUB" rules check bad.rules 2>err &&
	grep "bad.rules:1: rule x: pattern does not compile" err
'

test_expect_success 'rules list shows the installed rules' '
	"$LISTSCRUB" rules list --format json >list &&
	test $(wc -l <list) -ge 15 &&
	grep "\"id\":\"iban\"" list
'

test_expect_success 'validators answer valid and invalid' '
	"$LISTSCRUB" rules validate iban "DE89 3704 0044 0532 0130 00" >v &&
	test "$(cat v)" = valid &&
	expect_status 1 "$LISTSCRUB" rules validate card 4532015112830367
'

test_expect_success 'a plain scan is a personal-data sweep with the default rules' '
	cat >m.eml <<-\EOM &&
	From: a@b.org
	Message-ID: <1@b.org>
	Subject: x

	Mon RIB : IBAN FR1420041010050500013M02606
	Ticket 206169206992, see Message-ID: <20240301.1234@mail.gmail.com>
	EOM
	expect_status 1 "$LISTSCRUB" scan --format json m.eml >scan &&
	grep "\"rule\":\"iban\"" scan &&
	test $(grep -o "\"rule\":" scan | wc -l) = 1
'

test_expect_success 'the sweep passes over public addresses: trailers, attributions, list footer' '
	cat >pub.eml <<-\EOM &&
	From: ann@posteo.de
	Message-ID: <p1@posteo.de>
	Subject: [PATCH] fix

	On Mon, 3 Jun 2019 at 10:12, Bob Vos <bob.vos@gmx.net> wrote:
	> looks fine
	Signed-off-by: Ann Vos <ann@posteo.de>
	_______________________________________________
	Dev mailing list
	dev@lists.debian.org
	EOM
	expect_status 0 "$LISTSCRUB" scan pub.eml >scan &&
	sed "s/^> looks fine/> looks fine, ask carla.diaz@web.de/" pub.eml >pub2.eml &&
	expect_status 1 "$LISTSCRUB" scan --format json --show-matches pub2.eml >scan &&
	test $(grep -o "\"rule\":" scan | wc -l) = 1 &&
	grep "\"text\":\"carla.diaz@web.de\"" scan &&
	echo bob.vos@gmx.net >who &&
	expect_status 1 "$LISTSCRUB" scan --addresses who pub.eml
'

test_expect_success '--no-default-rules without selectors is a usage error' '
	expect_status 2 "$LISTSCRUB" scan --no-default-rules m.eml
'

test_expect_success 'mass-recipients: 10 recipients select, 9 do not' '
	for n in 9 10; do
		{
			echo "From: s@x.org"; echo "Message-ID: <$n@x.org>"
			printf "Cc: "; i=0
			while [ $i -lt $n ]; do printf "p$i@y.org, "; i=$((i+1)); done
			echo "s@x.org"; echo; echo body
		} >cc$n.eml
	done &&
	expect_status 1 "$LISTSCRUB" scan --no-default-rules --detect mass-recipients --format json cc10.eml >j &&
	test $(grep -o "mass-recipients" j | wc -l) -ge 10 &&
	expect_status 0 "$LISTSCRUB" scan --no-default-rules --detect mass-recipients cc9.eml
'

test_expect_success 'address-lists: a run of 10 addresses in a body is one block' '
	{
		echo "From: s@x.org"; echo "Message-ID: <run@x.org>"; echo
		i=0; while [ $i -lt 12 ]; do echo "q$i@z.org,"; i=$((i+1)); done
	} >run.eml &&
	expect_status 1 "$LISTSCRUB" scan --no-default-rules --detect address-lists=10 --format json run.eml >j &&
	test $(grep -o "\"rule\":\"address-list\"" j | wc -l) = 1 &&
	expect_status 0 "$LISTSCRUB" scan --no-default-rules --detect address-lists=13 run.eml
'

test_done
