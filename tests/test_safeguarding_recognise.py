"""The safeguarding recogniser on its data: recall per language on the held-out set, false alarms on
the ordinary intents' data, disclosures inside long messages, and the batch path leaving them alone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.safeguarding import data
from bot.safeguarding.evaluate import Report, evaluate
from bot.safeguarding.recognise import CATEGORIES, patterns_only, recognise
from bot.settings import PROJECT_ROOT

NLU = PROJECT_ROOT / "nlu"


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(NLU)


def test_the_data_has_25_examples_per_category_and_language() -> None:
    examples = data.load(NLU / "safeguarding")
    for language in ("nl", "en", "ar", "ti"):
        for category in (*CATEGORIES, data.NONE):
            count = sum(1 for e in examples if e.language == language and e.category == category)
            assert count >= 25, (language, category, count)


def test_recall_per_language_and_false_alarms(report: Report) -> None:
    """Floors that guard against regressions; the figures themselves, and the 0.95 recall target that the
    unseen sets do not reach yet, are in bench/README.md, section Safeguarding."""
    cross_validated, *unseen_sets = report.sets
    assert [part.name.split(" (")[0] for part in unseen_sets] == [
        "unseen set A",
        "unseen set B",
        "unseen set C",
        "unseen set D",
        "unseen set E",
        "unseen set F",
    ]
    alarms = sum(a for a, _ in cross_validated.ordinary.values())
    total = sum(n for _, n in cross_validated.ordinary.values())
    assert total > 4000
    assert alarms / total <= 0.01
    for language in ("nl", "en", "ar", "ti"):
        # Rounds 7-8 are harder (indirect phrasings no pattern was written for): 0.85-0.87 alone, 0.95-0.96
        # with the messages the bot asks "are you safe right now?" about.
        assert cross_validated.recall(language) >= 0.83, language
        assert cross_validated.recall_with_asked(language) >= 0.93, language
        for unseen in unseen_sets:
            assert unseen.recall(language) >= 0.7, (unseen.name, language)
            # the model adds recall on messages nobody wrote patterns for
            assert unseen.recall(language) >= unseen.patterns_recall(language) + 0.2, (unseen.name, language)
        # the middle band asks "are you safe right now?" of a few ordinary messages, not of many
        asked, examples = cross_validated.asked_ordinary[language], cross_validated.ordinary[language][1]
        assert 0 < asked / examples <= 0.06, language
    for part in report.sets:
        # Set F is 46-48 look-alikes per language written to probe false alarms (ar 8/46 on 2026-12-05,
        # bench/README.md): a regression floor, not the target.
        floor = 0.2 if part.name.startswith("unseen set F") else 0.15
        for language, (false_alarms, examples) in part.hard_negatives.items():
            assert false_alarms / examples <= floor, (part.name, language)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Hello, I have a question about my CV. Also my boss keeps my passport and I was not paid.", "exploitation"),
        ("hoi! ik zoek werk in de zorg. maar eerlijk gezegd wil ik niet meer leven", "suicide"),
        ("مرحبا عندي سؤال عن الشهادة، بس جوزي بيضربني كل يوم", "domestic_violence"),
        ("ሰላም፣ ብዛዕባ ሲቪ ሕቶ ኣለኒ። 16 ዓመተይ እየ።", "minor"),
        ("everyone would be better off without me", "suicide"),
        ("ik ben een last voor iedereen, hoe vind ik werk?", "suicide"),
        ("يا رب خدني عندك", "suicide"),
        ("ኣምላኽ ውሰደኒ", "suicide"),
        ("ik ben een last kwijt, mijn schuld is betaald", None),
        ("ነፍሰ ጾር እየ ስራሕ ክሰርሕ ይኽእል ድየ", None),
        ("my contract ends next month", None),
        ("how do I kill time while IDW decides", None),
        ("my boss is strict about being on time", None),
        ("ik wil dood moe na werk", None),
        ("", None),
    ],
)
def test_inside_long_messages_and_hard_negatives(text: str, category: str | None) -> None:
    assert recognise(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "ik ben 16",
        "16 jaar",
        "zestien",
        "ana 3omri 15",
        "عمري ١٥ سنة",  # Arabic-Indic digits
        "ዕድመይ ፲፮",  # Ge'ez numerals: 16
        "16 ዓመተይ እየ ስራሕ እደሊ",
        "I'm in the 3rd class of high school",
        "ik zit in groep 8",
        "ik zit in vmbo 2",
        "my guardian from Nidos says I can work",
        "mijn voogd zegt dat ik moet werken",
        "ik ben een AMV",
        "alleenstaande minderjarige, mag ik werken?",
        "I am too young to sign a contract",
        "my mother must sign for me",
        "when I turn 18 can I work full time",
        "لما يصير عمري 18 بقدر اشتغل؟",
        "انا بالصف العاشر",
        "ክሳብ 18 ዝመልእ ክሰርሕ ይኽእል ድየ",
        "ኣብ 10ይ ክፍሊ እየ",
    ],
)
def test_a_minor_is_recognised(text: str) -> None:
    assert patterns_only(text) == "minor"


@pytest.mark.parametrize(
    "text",
    [
        "my son is 15",
        "mijn dochter zit in groep 8",
        "18 years of experience",
        "I came in 2015",
        "16 hours a week",
        "I am 19",
        "ik woon hier al zestien jaar",
        "عندي 16 سنة خبرة",
        "can i get my secondary school diploma evaluated",
        "ወደይ ብ2015 ተወሊዱ",
    ],
)
def test_ages_that_are_not_a_minor_speaking(text: str) -> None:
    assert patterns_only(text) is None


@pytest.mark.parametrize(
    ("text", "today", "minor"),
    [
        ("I was born in 2010", date(2026, 12, 4), True),
        ("I was born in 2010", date(2030, 1, 1), False),  # 20 by then: the year is not a fixed list
        ("I was born in 2008", date(2026, 12, 4), True),  # 17 until the birthday this year: recall first
        ("I was born in 2005", date(2026, 12, 4), False),
        ("I was born in 2005", date(2022, 6, 1), True),
        ("ik ben in 2011 geboren", date(2026, 12, 4), True),
        ("انا مواليد ٢٠١٠", date(2026, 12, 4), True),
        ("ana mawalid 2009", date(2026, 12, 4), True),
        ("ኣነ ብ2010 እየ ተወሊደ", date(2026, 12, 4), True),
        ("my son was born in 2015", date(2026, 12, 4), False),
        ("I came in 2015", date(2026, 12, 4), False),
    ],
)
def test_a_birth_year_is_judged_against_today(text: str, today: date, minor: bool) -> None:
    assert (patterns_only(text, today) == "minor") is minor


def test_the_birth_year_uses_todays_year_by_default() -> None:
    this_year = datetime.now(UTC).year
    assert patterns_only(f"I was born in {this_year - 15}") == "minor"
    assert patterns_only(f"I was born in {this_year - 25}") is None


@pytest.mark.parametrize(
    "text",
    [
        "ik heb 16 jaar en zoek werk",  # L2 Dutch and English give an age with "have"
        "i have 16 years and want a job",
        "i am 16 years of age",
        "mijn voogt zegt nee tegen werk",
        "ik woon in een pleeggezin",
        "i live with a foster family",
        "im in class 9",
        "ik zit op de middelbare school",
        "انا ابن ١٦ سنة",
        "انا بعمر ال17 وبدي اشتغل",
        "لسا ما كملت ال18",
        "انا عايش مع عيلة حاضنة",
        "ana bint 15 sene",
        "edmey aserte shdushte eyu",  # Tigrinya numbers in Latin letters
        "ዕድመይ ኣስራ ሽዱሽተ",
        "18 ገና ኣይበጻሕኩን",
        "ፎግደይ ፍቓድ ክህበኒ ኣለዎ",
    ],
)
def test_more_ways_of_stating_an_age(text: str) -> None:
    assert patterns_only(text) == "minor"


@pytest.mark.parametrize(
    "text",
    [
        "ik heb 15 jaar in turkije gewerkt",
        "i have 16 years experience as a welder",
        "ik wil pleegouder worden",
        "ik ben van 2016 in nederland",
        "لما كملت 18 اشتغلت بمطعم",
        "ana 3omri 28 badi sho3'ol",
    ],
)
def test_look_alikes_of_the_new_age_statements(text: str) -> None:
    assert patterns_only(text) is None


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("ብ2001 ዓ.ም እየ ተወሊደ", True),  # Ethiopian calendar: about 2009 in ours, so 17
        ("ብ2001 ተወሊደ", False),  # the same year without the mark: 25
        ("ብ1999 ዓ.ም ተወሊደ", False),
        ("b 2002 a.m eye tewelide", True),
        ("ik ben van 2010", True),
        ("ik ben van 1990", False),
        ("geb. 2011", True),
        ("ልደተይ 2010 እዩ", True),
    ],
)
def test_more_birth_years(text: str, minor: bool) -> None:
    assert (patterns_only(text, date(2026, 12, 4)) == "minor") is minor


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ምንባር ኣይደልን", "suicide"),
        ("hiwet aydelen", "suicide"),
        ("i want to finish my life", "suicide"),
        ("i need to finish my life in the azc and find a house", None),
        ("ካብ ሶሻል ሚድያ ንግዜኡ ክጠፍእ እደሊ", None),
        ("HELP NU", "danger"),
        ("help, nu heb ik een vraag over mijn cv", None),
        ("ساعدوني هلق", "danger"),
        ("20 uur werken per dag", "exploitation"),
        ("ik werk 16 uur per week", None),
        ("ze vroegen of ik mijn hoofddoek afdoe", "harassment"),
    ],
)
def test_round_11_phrases_and_their_look_alikes(text: str, category: str | None) -> None:
    assert patterns_only(text) == category


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("ik ben nog een kind", True),
        ("im still a kid", True),
        ("hoi, ben pas 15 mag ik werken", True),
        ("hi, am 15 and need a job", True),
        ("انا لسا صغير بالعمر", True),
        ("انا 16 وبدي شغل", True),
        ("ben 15 minuten te laat", False),
        ("am 15 min late for the interview", False),
        ("انا 16 ساعه بشتغل", False),
        ("can i still go to school at my age", False),
    ],
)
def test_ages_without_the_subject_or_a_number(text: str, minor: bool) -> None:
    assert (patterns_only(text) == "minor") is minor


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("عمري خمسطعشر", True),  # colloquial spellings of 13-17
        ("عمري سطاشر", True),
        ("انا بالسادسة عشرة من عمري", True),  # MSA ordinal: "in my sixteenth year"
        ("انا شاب ١٧ سنه", True),
        ("3omri sab3tash", True),
        ("ana 16 sneen", True),
        ("عندي بنت ١٥ سنه", False),
        ("عمري ٢٥ وعندي خبرة ستطعشر سنة", False),
    ],
)
def test_arabic_and_arabizi_number_words(text: str, minor: bool) -> None:
    assert (patterns_only(text) == "minor") is minor


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("ኣነ ዓሰርተ ሽዱሽተ እየ", True),
        ("ane 17", True),
        ("ane 15 saat esrh", False),  # hours worked, not an age
        ("zestienjarige zoekt werk", True),
        ("geb 12-3-2010", True),  # a full date of birth
        ("dob 12/03/2010", True),
        ("مواليد ١٢/٣/٢٠١٠", True),
        ("geboren 12-03-1990", False),
    ],
)
def test_tigrinya_number_words_and_dates_of_birth(text: str, minor: bool) -> None:
    assert (patterns_only(text, date(2026, 12, 4)) == "minor") is minor


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ik heb last van ongewenste intimiteiten van mijn chef", "harassment"),
        ("ze maken grapjes over mijn huidskleur", "harassment"),
        ("they make fun of my accent every day", "harassment"),
        ("بيتمسخروا علي بسبب لون بشرتي", "harassment"),
        ("ብሰንኪ ሕብረይ ኣብ ስራሕ ይጸርፉኒ", "harassment"),
        ("mag ik een hoofddoek dragen op het werk", None),
        ("what is the religion of most people here", None),
    ],
)
def test_more_harassment_and_its_look_alikes(text: str, category: str | None) -> None:
    assert patterns_only(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 12: courses about emergencies or harassment, idioms, other people's ages (issue 19)
        ("my company wants everyone to follow the BHV emergency response training", None),
        ("we had a workshop about preventing harassment at work, is there a certificate?", None),
        ("we hadden een training over ongewenst gedrag voorkomen op het werk", None),
        ("صاحب الشغل طلب مني اعمل دورة اسعافات اوليه", None),
        ("كان عنا ورشه عن منع التحرش في مكان العمل", None),
        ("ብዛዕባ ምክልኻል ጾታዊ ምትንኻፍ ኣብ ስራሕ ስልጠና ወሲድና", None),
        ("ik wil doodgraag beginnen met werken", None),
        ("ik wil dood graag in de zorg werken", None),
        ("الانتظار عند الـ IND عم يقتلني", None),
        ("ዓባየይ ብጣዕሚ ሕምምቲ እያ ዕረፍቲ ክወስድ ይኽእል ዶ", None),
        ("መሳርሕተይ 17 ዓመቱ እዩ ለይቲ ይሰርሕ", None),
        ("እታ ሓዳስ ጓል ኣብ ካሻ 15 ዓመታ ጥራይ እያ", None),
        ("my colleague is 17 and works nights", None),
        ("she is 16, can she work in a shop?", None),
        ("our hr organises a training about discrimination and harassment next week", None),
        ("قسم الموظفين عامل تدريب عن التمييز والتحرش الاسبوع الجاي", None),
        ("محتاج شهادة اسعاف اولي لشغل المسبح", None),
        ("እታ ተለማማዲት ኣብ ቤት ጽሕፈት 16 ዓመታ እያ", None),
        ("mijn collega is 17 en werkt 's nachts", None),
        ("زميلي بالشغل عمره 17 وبيشتغل بالليل", None),
        # and what they must not hide: the same words in a disclosure
        ("there was an emergency at work, call an ambulance, my colleague is bleeding", "danger"),
        ("after the harassment training my boss touched me again", "harassment"),
        ("training about discrimination and harassment, and my boss calls me a monkey", "harassment"),
        ("de trainer van de cursus raakt me steeds aan", "harassment"),
        ("ik wil dood, ik kan niet meer", "suicide"),
        ("جوزي رح يقتلني", "danger"),
        ("ክሞት እደሊ", "suicide"),
        ("17 ዓመት እየ ስራሕ እደሊ", "minor"),
        ("i am 17 and my colleague is 30, can i work nights?", "minor"),
        ("ik ben 16 en mijn collega is 20", "minor"),
        ("de nieuwe collega is 17 en ik ben 15", "minor"),
        ("عمري 16 وبدي شغل", "minor"),
    ],
)
def test_round_12_look_alikes_and_what_they_must_not_hide(text: str, category: str | None) -> None:
    assert patterns_only(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 13: exaggerations of tiredness and heat, jobs at a suicide-prevention line (issue 19)
        ("رح موت من التعب بعد الشفت، بكرا عندي مقابله", None),
        ("عم موت من الملل بالمستودع", None),
        ("ብድኻም ክመውት እየ ግን ኮርስ ክውድእ ኣለኒ", None),
        ("bdkam kmewt eye gn course klweda aleni", None),
        ("ዋዒ ኣብ መኽዘን ክቐትለና እዩ", None),
        ("ምጽባይ UWV ይቐትለኒ ኣሎ", None),
        ("saw a volunteer job at the 113 suicide prevention line", None),
        ("ik wil vrijwilliger worden bij 113 zelfmoordpreventie", None),
        ("شفت اعلان شغل متطوع بخط 113 للوقايه من الانتحار", None),
        ("ኣብ 113 መስመር ምክልኻል ርእሰ ቅትለት ወለንተኛ ክኸውን እደሊ", None),
        # and what they must not hide: the same words in a disclosure
        ("رح موت من التعب وما بدي عيش بعد اليوم", "suicide"),
        ("I called the suicide prevention line but I still want to kill myself", "suicide"),
        ("اتصلت بخط الوقايه من الانتحار وبدي موت", "suicide"),
        ("ዋዒ ክቐትለና እዩ መሳርሕተይ ወዲቑ ኣይተንፍስን", "danger"),
        ("ክመውት እደሊ", "suicide"),
        ("بدي موت", "suicide"),
        ("ፖሊቲ ጸውዑ ሕጂ ክቐትለኒ እዩ", "danger"),
    ],
)
def test_round_13_idioms_and_what_they_must_not_hide(text: str, category: str | None) -> None:
    assert patterns_only(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 14: breaks and travel costs are lawfully unpaid; asking about them is no disclosure
        ("break is not paid is it allowed", None),
        ("my lunch break is not paid, is that normal?", None),
        ("travel costs are not paid by my employer", None),
        ("unpaid break of 30 minutes is that ok", None),
        ("ik zit al twee jaar zonder betaald werk", None),
        ("بدي اكتسب خبرة بهولندا حتى لو بلا راتب", None),
        # and what they must not hide
        ("break is not paid and my boss keeps my passport", "exploitation"),
        ("my break is not paid and I have not been paid for two months", "exploitation"),
        ("overtime is not paid", "exploitation"),
        ("they have not paid me", "exploitation"),
        ("ik werk al maanden zonder betaald te worden", "exploitation"),
        ("اشتغلت شهرين بلا راتب", "exploitation"),
    ],
)
def test_round_14_lawfully_unpaid_and_what_it_must_not_hide(text: str, category: str | None) -> None:
    assert patterns_only(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 15: care for the elderly (المسنين holds لمسني, "he touched me"), an unpaid placement on a benefit
        ("بدي اشتغل بدار رعاية المسنين", None),
        ("عندي خبرة مع المسنين والاطفال", None),
        ("the gemeente says I must do a work experience place without pay, is that normal?", None),
        ("UWV wants me to work 3 months without salary at a company", None),
        # and what they must not hide
        ("مديري لمسني", "harassment"),
        ("بالشغل ولمسني المدير", "harassment"),
        ("my boss makes me work without pay", "exploitation"),
        ("the municipality found me a job but the boss keeps my passport", "exploitation"),
        ("my boss at the municipality job makes me work without pay", "exploitation"),
    ],
)
def test_round_15_the_elderly_and_placements_and_what_they_must_not_hide(text: str, category: str | None) -> None:
    assert patterns_only(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # exploratory test, 2026-12-05: Arabizi the patterns missed (and nothing asked: two words)
        ("bade 2ente7er", "suicide"),
        ("baddi ente7ir", "suicide"),
        ("ana 3ayza amoot", "suicide"),
        ("ana mish 3ayez a3eesh", "suicide"),
        ("jozi byedrebni", "domestic_violence"),
        ("gozy bydrabny kol yom", "domestic_violence"),
        # and their look-alikes
        ("bade et3allam hollandi", None),
        ("3ayza a3mel cv", None),
        ("bdi 2ente2el la amsterdam", None),
    ],
)
def test_arabizi_of_the_exploratory_test(text: str, category: str | None) -> None:
    assert patterns_only(text) == category
