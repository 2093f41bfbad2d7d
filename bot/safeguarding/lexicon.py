"""Word-level semantic classes for the safeguarding model, the same class in every language and script.

A message whose exact words the model never saw may still say "want + die" or "burden + without me"
in words it knows as a class: the model learns weights for the classes and for pairs of classes in one
clause, and learns them from all four languages at once (a phrasing written only in English helps the
Tigrinya message that says the same). Entries are regex fragments matched on the normalised text
(recognise.normalize: lower case, Arabic letter variants, the Ethiopic consonant skeleton), Latin ones at
a word start, Arabic and Ethiopic ones anywhere in a word (their prefixes are many). Never use
upper-case regex escapes: normalisation case-folds them. A class fires or not; no weights by hand.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

# Class -> (Latin fragments: en, nl, Arabizi, Latin Tigrinya; Arabic and Ethiopic fragments).
CLASSES: dict[str, tuple[list[str], list[str]]] = {
    "die": (
        [r"di(?:e|es|ed|ing)\b", r"dead\b", r"death", r"dood", r"sterv", r"mout", r"moot", r"amout", r"mot\b", r"kmewt",
         r"kmot", r"mewt", r"suic", r"suis", r"zelfmo", r"zelmo", r"zelfdod", r"ente7", r"nt7er", r"kill my", r"kill me",
         r"vermoord", r"overl"],
        [r"موت", r"اموت", r"مت\b", r"ميت", r"انتحر", r"انتحار", r"قتل نفسي", r"قتل حالي", r"ሞት", r"ምውት", r"ሞይ",
         r"ምማት", r"መውት", r"ቅትለት", r"ቕትለት"],
    ),
    "live": (
        [r"liv(?:e|ing)\b", r"life\b", r"alive", r"exist", r"leven", r"leef", r"bestaan", r"3ish", r"3eesh", r"7ayat",
         r"hiywet", r"hywet", r"kneber", r"mnbar"],
        [r"عيش", r"عايش", r"حياه", r"حياتي", r"الدنيا", r"دنيا", r"العالم", r"ህይወት", r"ሂወት", r"ምንባር", r"ክነብር",
         r"ነብር", r"ዓለም"],
    ),
    "want": (
        [r"want", r"wanna", r"wana\b", r"wish", r"hope\b", r"wil\b", r"will\b", r"wou", r"zin\b", r"bdi\b", r"badi",
         r"baddi", r"nefsi", r"3ayez", r"delye", r"edeli", r"pray", r"bid\b", r"prefer", r"liever"],
        [r"بدي", r"اريد", r"ابغي", r"ابي\b", r"عايز", r"عاوز", r"نفسي", r"ودي", r"اتمني", r"يا ريت", r"ياريت", r"افضل",
         r"ደሊ", r"ደልየ", r"ድሌት", r"ምነ"],
    ),
    "not": (
        [r"not?\b", r"don'?t", r"dont", r"never", r"niet", r"nooit", r"geen", r"niemand", r"nobody", r"no one",
         r"ma\b", r"mish\b", r"msh\b"],
        [r"ما\b", r"مش\b", r"لا\b", r"لم\b", r"لن\b", r"ماكو", r"مو\b", r"ኣይ", r"እይ", r"የለ", r"የብለ", r"የብ"],
    ),
    "self": (
        [r"my ?self", r"mezelf", r"me zelf", r"mijzelf", r"7ali\b", r"nafsi", r"nebsey", r"risey"],
        [r"حالي", r"نفسي", r"روحي", r"ነብሰ", r"ርእሰ"],
    ),
    "end": (
        [r"end\b", r"ending", r"finish", r"over\b", r"stop", r"klaar", r"eind", r"done\b", r"give up", r"opgeven",
         r"geef op", r"khalas", r"wedi", r"the last", r"last (?:message|time|day)", r"laatste"],
        [r"خلص", r"انهي", r"انهاء", r"نهايه", r"اخر", r"اخير", r"خلاص", r"ውዳእ", r"ወዲእ", r"ብቅዕ", r"መወዳእታ",
         r"ቋርጽ"],
    ),
    "burden": (
        [r"burden", r"\blast\b(?! (?:week|month|year|message|time|day))", r"tot last", r"3ib\b", r"problem for",
         r"only problem", r"tsor\b"],
        [r"عبء", r"عبئ", r"عب\b", r"حمل", r"تقيل", r"ثقيل", r"ጾር"],
    ),
    "without_me": (
        [r"without me", r"zonder mij", r"zonder me\b", r"bala?y\b", r"bdoon?i", r"bzey ane"],
        [r"بدوني", r"بلاي", r"من غيري", r"بغيابي", r"ارتاح مني", r"يرتاح مني", r"ብዘይ ኣነ", r"ብዘይ እነ", r"ብዘይኣነ"],
    ),
    "disappear": (
        [r"disappear", r"vanish", r"verdwijn", r"gone\b", r"weg\b", r"go away", r"leave this", r"ekhtefi", r"ktefe"],
        [r"اختفي", r"اختفاء", r"اروح", r"رحت", r"ارحل", r"ጠፍእ", r"ክጠፍ", r"ኸይድ", r"ከድኩ"],
    ),
    "sleep": (
        [r"sleep", r"slap", r"wake", r"wakker", r"nam\b", r"fi2", r"dekise", r"kterf", r"rest\b", r"rust\b"],
        [r"نام", r"انام", r"اصحي", r"فيق", r"ارتاح", r"راحه", r"ደቂሰ", r"ድቅስ", r"በራበር", r"ተንስእ", r"ዕረፍቲ", r"ክተርፍ"],
    ),
    "forever": (
        [r"forever", r"for ever", r"altijd", r"never", r"nooit", r"again\b", r"meer\b", r"anymore", r"any more",
         r"no more", r"ever\b", r"abadan"],
        [r"للابد", r"ابدا", r"تاني", r"بعد الان", r"عاد\b", r"ዘልኣለም", r"ዘልእለም", r"ደጊም"],
    ),
    "goodbye": (
        [r"goodbye", r"good bye", r"bye\b", r"farewell", r"vaarwel", r"gedag", r"dag\b", r"forgive", r"vergeef",
         r"sam7ooni", r"sam7uni", r"ma3 ?salam"],
        [r"مع السلامه", r"سامحوني", r"سامحيني", r"ودعت", r"وداع", r"الوداع", r"ደሓን ኩኑ", r"ደሓን ኩን", r"ተፋን",
         r"ይቕረ"],
    ),
    "give_away": (
        [r"gave", r"give", r"gegeven", r"geef", r"weggegeven", r"letter", r"brief\b"],
        [r"اعطيت", r"وزعت", r"رساله", r"ሂበ", r"ደብዳቤ"],
    ),
    "god": (
        [r"god\b", r"allah", r"lord", r"rab\b", r"amlak", r"egziabher"],
        [r"الله", r"رب\b", r"ربي", r"يارب", r"يا رب", r"ኣምላኽ", r"እምላኽ", r"ኣምላኸ", r"እግዚ"],
    ),
    "take_me": (
        [r"take me", r"take my (?:soul|life)", r"haal me", r"halen", r"neem mij", r"neem me", r"khedni", r"yakhudni",
         r"wsedeni"],
        [r"ياخذني", r"ياخدني", r"خدني", r"خذني", r"تاخد روحي", r"ياخذ روحي", r"ياخد روحي", r"ياخذ عمري", r"ውሰደኒ",
         r"ይውሰደኒ", r"ክወስዳ"],
    ),
    "means": (
        [r"pill", r"tablet", r"rope", r"touw", r"bridge", r"brug", r"roof", r"dak\b", r"train", r"trein", r"spoor",
         r"jump", r"spring", r"knife", r"mes\b", r"poison", r"gif\b", r"cut my", r"snij", r"cutting"],
        [r"حبوب", r"حبه", r"حبل", r"جسر", r"سطح", r"قطر", r"انط", r"ارمي حالي", r"سم\b", r"شفره", r"ከኒና", r"ገመድ",
         r"ድልድል", r"ናሕሲ", r"ባቡር", r"ዘልል", r"ካራ"],
    ),
    "hopeless": (
        [r"hopeless", r"no hope", r"no way out", r"no future", r"no point", r"no reason", r"no meaning", r"pointless",
         r"meaningless", r"uitzichtloos", r"geen uitweg", r"geen toekomst", r"geen zin", r"geen hoop", r"empty",
         r"leeg\b"],
        [r"ما في امل", r"ما في مخرج", r"مافي امل", r"بلا امل", r"يأس", r"ياس", r"ما الها معني", r"ما في داعي",
         r"ماكو داعي", r"ما في فايده", r"ተስፋ ቖር", r"ተስፋ ቆር", r"መውጽኢ የለ", r"ትርጉም የብ", r"መጻኢ የብ", r"ባዶ"],
    ),
    "tired": (
        [r"tired", r"exhaust", r"moe\b", r"op\b", r"can'?t (?:go on|take|carry|anymore)", r"cannot (?:go on|take|carry)",
         r"kan (?:het )?niet meer", r"hou het niet", r"ta3bet", r"ta3ban", r"dekime"],
        [r"تعبت", r"تعبان", r"مش قادر", r"ما عاد فيني", r"ما فيني اتحمل", r"ደኺመ", r"ደከመ", r"ክጾሮ ኣይክእል"],
    ),
    "hit": (
        [r"hit", r"beat", r"slap", r"kick", r"punch", r"push", r"choke", r"sla(?:at|an|g)\b", r"sloeg", r"schop",
         r"duw", r"mishandel", r"abuse", r"hurt", r"pijn", r"byedrob", r"yedrob", r"ywek", r"wek'?a"],
        [r"ضرب", r"يضرب", r"رفس", r"دفش", r"خنق", r"عذب", r"اذي", r"ያዕ", r"ወቕ", r"ወቕዕ", r"ረገጸ", r"ረግጸ", r"ደፊ"],
    ),
    "partner": (
        [r"husband", r"wife", r"partner", r"boyfriend", r"\bex\b", r"in ?laws", r"my man\b", r"mijn man", r"mijn vrouw",
         r"vriend\b", r"schoon", r"father", r"vader", r"brother", r"broer", r"zawj", r"jozi", r"sebayey"],
        [r"جوزي", r"زوجي", r"مرتي", r"مراتي", r"زوجتي", r"طليقي", r"حماتي", r"اهل جوزي", r"ابوي", r"اخوي", r"ሰብኣየይ",
         r"ሰብእየይ", r"ሰበይተይ", r"መጻምድተይ", r"ኣቦይ", r"ሓወይ"],
    ),
    "home": (
        [r"home", r"house", r"thuis", r"huis", r"bet\b", r"bayt"],
        [r"البيت", r"بيت", r"ገዛ"],
    ),
    "papers": (
        [r"passport", r"paspoort", r"id\b", r"id ?card", r"identity", r"papers", r"documents", r"verblijf",
         r"bank ?card", r"bankpas", r"passporty"],
        [r"جواز", r"باسبور", r"هويتي", r"هويه", r"اوراقي", r"كرت البنك", r"ፓስፖርት", r"መንነት", r"ወረቐት", r"ካርድ ባንክ"],
    ),
    "wages": (
        [r"salar", r"wage", r"pay\b", r"paid", r"loon", r"betaal", r"geld\b", r"money", r"euro", r"debt", r"schuld",
         r"ma3ash", r"rateb"],
        [r"راتب", r"معاش", r"مصاري", r"يدفع", r"دين", r"يورو", r"ደሞዝ", r"ገንዘብ", r"ዕዳ", r"ዩሮ", r"ክኸፍል"],
    ),
    "boss": (
        [r"boss", r"baas", r"manager", r"chef", r"employer", r"werkgever", r"agency", r"uitzend", r"supervisor",
         r"team ?leader", r"teamleider", r"m3allem", r"halekay"],
        [r"المعلم", r"معلمي", r"المدير", r"مديري", r"صاحب الشغل", r"المسؤول", r"المكتب", r"الشيف", r"ሓለቓ", r"ሓላፊ",
         r"ወናኒ ስራሕ", r"ኤጀንሲ", r"ሸፍ"],
    ),
    "forced": (
        [r"not allowed", r"mag niet", r"mag .* niet", r"must work", r"moet werken", r"force", r"dwing", r"locked",
         r"opgesloten", r"sluit", r"slave", r"slaaf", r"keep my", r"keeps my", r"houden", r"no food", r"geen eten",
         r"without (?:money|pay)", r"zonder (?:geld|loon)", r"dont give", r"geven (?:hem|het) niet"],
        [r"ممنوع", r"لازم اشتغل", r"بيجبرني", r"يجبرني", r"عبيد", r"ماسك", r"ماسكين", r"بلا مصاري", r"بلا راتب",
         r"ما بيدفع", r"مقفل", r"بيقفل", r"ኣይፍቀደ", r"የገድደ", r"ባርያ", r"ሒዙ", r"ይሕዝ", r"ይዓጽ", r"ብዘይ ገንዘብ"],
    ),
    "touch": (
        [r"touch", r"grab", r"kiss", r"aanraak", r"raakt", r"zit aan", r"kuss", r"photo", r"foto", r"picture", r"pics",
         r"sexual", r"seks", r"sex\b", r"body", r"lichaam", r"billen", r"bottom", r"breast"],
        [r"يلمس", r"بيلمس", r"لمس", r"صور", r"جسمي", r"جسمو", r"يبوس", r"جنسي", r"ትንክፍ", r"ስእሊ", r"ስእልታት", r"ኣካላት",
         r"ስዕም", r"ጾታዊ"],
    ),
    "insult": (
        [r"racis", r"discrim", r"monkey", r"aap\b", r"terroris", r"black\b", r"zwart", r"hijab", r"headscarf",
         r"hoofddoek", r"bull(?:y|ies)", r"pest", r"laugh at", r"lachen om", r"uitschelden", r"schelden", r"call me",
         r"noemen mij", r"refugee", r"vluchteling", r"go back", r"ga terug"],
        [r"عنصري", r"قرد", r"ارهاب", r"حجاب", r"محجبه", r"يتمسخر", r"بيتمسخر", r"يضحك", r"لاجئ", r"ارجع لبلدك", r"اسمر",
         r"ዓሌት", r"ህበይ", r"ኣሸበርቲ", r"መንዲል", r"ላግጽ", r"ስሕቁ", r"ስደተኛ", r"ጸሊም"],
    ),
    "danger_now": (
        [r"help\b", r"now\b", r"nu\b", r"tonight", r"vanavond", r"police", r"politie", r"ambulance", r"emergenc",
         r"blood", r"bloed", r"bleed", r"fire\b", r"brand\b", r"smoke", r"rook\b", r"gas\b", r"breath", r"adem",
         r"stab", r"gestoken", r"gun\b", r"pistool", r"knife", r"mes\b", r"unconscious", r"not moving", r"reageert niet",
         r"fell", r"gevallen", r"broken", r"gebroken", r"stuck", r"vast\b", r"chasing", r"achtervolg", r"following"],
        [r"الحقوني", r"هلق", r"هلا", r"الان", r"الليله", r"شرطه", r"اسعاف", r"طوارئ", r"دم\b", r"ينزف", r"نزيف", r"حريق",
         r"دخان", r"غاز", r"يتنفس", r"اتنفس", r"سكين", r"سكينه", r"مسدس", r"وقع", r"انكسر", r"علقت", r"يلحقني", r"انطعن",
         r"ሓግዙ", r"ሕጂ", r"ሎሚ ለይቲ", r"ፖሊስ", r"ኣምቡላንስ", r"ህጹጽ", r"ደም", r"ሓዊ", r"ትኪ", r"ጋዝ", r"ካራ", r"ሽጉጥ",
         r"ወዲቑ", r"ተሰቢ", r"ተታሒ", r"ይስዕበ", r"ተወጊ"],
    ),
    "threat": (
        [r"threat", r"dreig", r"bedreig", r"kill (?:me|you|us)", r"doodmaken", r"vermoorden", r"going to (?:kill|hurt)"],
        [r"يهدد", r"بيهدد", r"هدد", r"يقتلني", r"يقتلوني", r"قتلني", r"رح يقتل", r"የፈራርሃ", r"ፈራርሃ", r"ክቐትለ", r"ክቐትል"],
    ),
    "fear": (
        [r"afraid", r"scared", r"fear", r"bang\b", r"not safe", r"niet veilig", r"unsafe", r"danger", r"gevaar"],
        [r"خايف", r"خايفه", r"خوف", r"امان", r"خطر", r"ፈሪሐ", r"ፈርህ", r"ፍርሒ", r"ውሑስ", r"ሓደጋ"],
    ),
    "young": (
        [r"years? old", r"jaar oud", r"my age", r"mijn leeftijd", r"minor", r"minderjarig", r"underage", r"under 18",
         r"onder de 18", r"school", r"klas\b", r"class\b", r"born in", r"geboren", r"amv\b", r"unaccompanied", r"3omri",
         r"edmey", r"i am 1[0-7]\b", r"ik ben 1[0-7]\b", r"1[0-7] (?:years|jaar)"],
        [r"عمري", r"قاصر", r"الصف", r"مواليد", r"ዕድመይ", r"ዓመተይ", r"ንእሽቶ", r"ክፍሊ", r"ተወሊደ"],
    ),
}


def _join(fragments: list[str]) -> str:
    from bot.safeguarding.recognise import normalize  # here: recognise imports nothing of this module

    return "|".join(f"(?:{normalize(p)})" for p in fragments) or r"(?!)"


# Per class, one regex for the Latin fragments (one word-start check for all of them) and one for the
# Arabic and Ethiopic ones, each searched only when the sentence has letters of its script: ten times
# faster than a regex per fragment, which matters at start-up (the model trains on ~9,000 texts).
_LATIN = re.compile(r"[a-z]")
_OTHER = re.compile(r"[\u0600-\u06ff\u1200-\u137f]")


@lru_cache(maxsize=1)
def _compiled() -> tuple[list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]]:
    latin = [(name, re.compile(rf"(?<![a-z0-9'])(?:{_join(f[0])})")) for name, f in CLASSES.items()]
    other = [(name, re.compile(_join(f[1]))) for name, f in CLASSES.items()]
    return latin, other


def classes(sentence: str) -> list[str]:
    """The classes present in one normalised sentence, in a fixed order."""
    latin, other = _compiled()
    found: set[str] = set()
    if _LATIN.search(sentence):
        found.update(name for name, pattern in latin if pattern.search(sentence))
    if _OTHER.search(sentence):
        found.update(name for name, pattern in other if pattern.search(sentence))
    return [name for name in CLASSES if name in found]


def class_features(sentence: str) -> set[str]:
    """Every class present and every pair of classes present together in the sentence."""
    found = classes(sentence)
    return {"k:" + c for c in found} | {f"kk:{a}+{b}" for a, b in itertools.combinations(found, 2)}
