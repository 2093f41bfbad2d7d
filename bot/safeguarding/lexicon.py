"""Word-level semantic classes for the safeguarding model, the same class in every language and script.

A message whose exact words the model never saw may still say "want + die" or "burden + without me"
in words it knows as a class: the model learns weights for the classes and for pairs of classes in one
clause, and learns them from all four languages at once (a phrasing written only in English helps the
Tigrinya message that says the same). Entries are regex alternatives matched on the normalised text
(recognise.normalize: lower case, Arabic letter variants, the Ethiopic consonant skeleton), Latin ones at
a word start, Arabic and Ethiopic ones anywhere in a word (their prefixes are many). Never use
upper-case regex escapes: normalisation case-folds them. A class fires or not; no weights by hand.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

# Class -> (Latin alternatives: en, nl, Arabizi, Latin Tigrinya; Arabic and Ethiopic alternatives), each a
# regex alternation.
CLASSES: dict[str, tuple[str, str]] = {
    "die": (
        (
            r"di(?:e|es|ed|ing)\b|dead\b|death|dood|sterv|mout|moot|amout|mot\b|kmewt|kmot|mewt|suic|suis"
            r"|zelfmo|zelmo|zelfdod|ente7|nt7er|kill my|kill me|vermoord|overl"
        ),
        r"موت|اموت|مت\b|ميت|انتحر|انتحار|قتل نفسي|قتل حالي|ሞት|ምውት|ሞይ|ምማት|መውት|ቅትለት|ቕትለት",
    ),
    "live": (
        r"liv(?:e|ing)\b|life\b|alive|exist|leven|leef|bestaan|3ish|3eesh|7ayat|hiywet|hywet|kneber|mnbar",
        r"عيش|عايش|حياه|حياتي|الدنيا|دنيا|العالم|ህይወት|ሂወት|ምንባር|ክነብር|ነብር|ዓለም",
    ),
    "want": (
        (
            r"want|wanna|wana\b|wish|hope\b|wil\b|will\b|wou|zin\b|bdi\b|badi|baddi|nefsi|3ayez|delye|edeli"
            r"|pray|bid\b|prefer|liever"
        ),
        r"بدي|اريد|ابغي|ابي\b|عايز|عاوز|نفسي|ودي|اتمني|يا ريت|ياريت|افضل|ደሊ|ደልየ|ድሌት|ምነ",
    ),
    "not": (
        r"not?\b|don'?t|dont|never|niet|nooit|geen|niemand|nobody|no one|ma\b|mish\b|msh\b",
        r"ما\b|مش\b|لا\b|لم\b|لن\b|ماكو|مو\b|ኣይ|እይ|የለ|የብለ|የብ",
    ),
    "self": (
        r"my ?self|mezelf|me zelf|mijzelf|7ali\b|nafsi|nebsey|risey",
        r"حالي|نفسي|روحي|ነብሰ|ርእሰ",
    ),
    "end": (
        (
            r"end\b|ending|finish|over\b|stop|klaar|eind|done\b|give up|opgeven|geef op|khalas|wedi|the last"
            r"|last (?:message|time|day)|laatste"
        ),
        r"خلص|انهي|انهاء|نهايه|اخر|اخير|خلاص|ውዳእ|ወዲእ|ብቅዕ|መወዳእታ|ቋርጽ",
    ),
    "burden": (
        (
            r"burden|\blast\b(?! (?:week|month|year|message|time|day))|tot last|3ib\b|problem for"
            r"|only problem|tsor\b"
        ),
        r"عبء|عبئ|عب\b|حمل|تقيل|ثقيل|ጾር",
    ),
    "without_me": (
        r"without me|zonder mij|zonder me\b|bala?y\b|bdoon?i|bzey ane",
        r"بدوني|بلاي|من غيري|بغيابي|ارتاح مني|يرتاح مني|ብዘይ ኣነ|ብዘይ እነ|ብዘይኣነ",
    ),
    "disappear": (
        r"disappear|vanish|verdwijn|gone\b|weg\b|go away|leave this|ekhtefi|ktefe",
        r"اختفي|اختفاء|اروح|رحت|ارحل|ጠፍእ|ክጠፍ|ኸይድ|ከድኩ",
    ),
    "sleep": (
        r"sleep|slap|wake|wakker|nam\b|fi2|dekise|kterf|rest\b|rust\b",
        r"نام|انام|اصحي|فيق|ارتاح|راحه|ደቂሰ|ድቅስ|በራበር|ተንስእ|ዕረፍቲ|ክተርፍ",
    ),
    "forever": (
        r"forever|for ever|altijd|never|nooit|again\b|meer\b|anymore|any more|no more|ever\b|abadan",
        r"للابد|ابدا|تاني|بعد الان|عاد\b|ዘልኣለም|ዘልእለም|ደጊም",
    ),
    "goodbye": (
        r"goodbye|good bye|bye\b|farewell|vaarwel|gedag|dag\b|forgive|vergeef|sam7ooni|sam7uni|ma3 ?salam",
        r"مع السلامه|سامحوني|سامحيني|ودعت|وداع|الوداع|ደሓን ኩኑ|ደሓን ኩን|ተፋን|ይቕረ",
    ),
    "give_away": (
        r"gave|give|gegeven|geef|weggegeven|letter|brief\b",
        r"اعطيت|وزعت|رساله|ሂበ|ደብዳቤ",
    ),
    "god": (
        r"god\b|allah|lord|rab\b|amlak|egziabher",
        r"الله|رب\b|ربي|يارب|يا رب|ኣምላኽ|እምላኽ|ኣምላኸ|እግዚ",
    ),
    "take_me": (
        r"take me|take my (?:soul|life)|haal me|halen|neem mij|neem me|khedni|yakhudni|wsedeni",
        r"ياخذني|ياخدني|خدني|خذني|تاخد روحي|ياخذ روحي|ياخد روحي|ياخذ عمري|ውሰደኒ|ይውሰደኒ|ክወስዳ",
    ),
    "means": (
        (
            r"pill|tablet|rope|touw|bridge|brug|roof|dak\b|train|trein|spoor|jump|spring|knife|mes\b|poison"
            r"|gif\b|cut my|snij|cutting"
        ),
        r"حبوب|حبه|حبل|جسر|سطح|قطر|انط|ارمي حالي|سم\b|شفره|ከኒና|ገመድ|ድልድል|ናሕሲ|ባቡር|ዘልል|ካራ",
    ),
    "hopeless": (
        (
            r"hopeless|no hope|no way out|no future|no point|no reason|no meaning|pointless|meaningless"
            r"|uitzichtloos|geen uitweg|geen toekomst|geen zin|geen hoop|empty|leeg\b"
        ),
        (
            r"ما في امل|ما في مخرج|مافي امل|بلا امل|يأس|ياس|ما الها معني|ما في داعي|ماكو داعي|ما في فايده"
            r"|ተስፋ ቖር|ተስፋ ቆር|መውጽኢ የለ|ትርጉም የብ|መጻኢ የብ|ባዶ"
        ),
    ),
    "tired": (
        (
            r"tired|exhaust|moe\b|op\b|can'?t (?:go on|take|carry|anymore)|cannot (?:go on|take|carry)"
            r"|kan (?:het )?niet meer|hou het niet|ta3bet|ta3ban|dekime"
        ),
        r"تعبت|تعبان|مش قادر|ما عاد فيني|ما فيني اتحمل|ደኺመ|ደከመ|ክጾሮ ኣይክእል",
    ),
    "hit": (
        (
            r"hit|beat|slap|kick|punch|push|choke|sla(?:at|an|g)\b|sloeg|schop|duw|mishandel|abuse|hurt|pijn"
            r"|byedrob|yedrob|ywek|wek'?a|tiwek|yiwek|weki"
        ),
        r"ضرب|يضرب|رفس|دفش|خنق|عذب|اذي|ያዕ|ወቕ|ወቕዕ|ረገጸ|ረግጸ|ደፊ",
    ),
    "partner": (
        (
            r"husband|wife|partner|boyfriend|\bex\b|in ?laws|my man\b|mijn man|mijn vrouw|vriend\b|schoon"
            r"|father|vader|brother|broer|zawj|jozi|sebayey|sebeyt|abuy\b"
        ),
        r"جوزي|زوجي|مرتي|مراتي|زوجتي|طليقي|حماتي|اهل جوزي|ابوي|اخوي|ሰብኣየይ|ሰብእየይ|ሰበይተይ|መጻምድተይ|ኣቦይ|ሓወይ",
    ),
    "home": (
        r"home|house|thuis|huis|bet\b|bayt",
        r"البيت|بيت|ገዛ",
    ),
    "papers": (
        (
            r"passport|paspoort|id\b|id ?card|identity|papers|documents|verblijf|bank ?card|bankpas|passporty"
            r"|basbor|basbour|jawaz|gawaz|iqama|e2ama"
        ),
        r"جواز|باسبور|هويتي|هويه|اوراقي|وثائقي|الاقامه|اقامتي|كرت البنك|ፓስፖርት|ፐስፖርት|መንበሪ ፍቓድ|መንነት|ወረቐት|ካርድ ባንክ",
    ),
    "wages": (
        (
            r"salar|wage|pay\b|paid|loon|betaal|geld\b|money|euro|debt|owe\b|schuld|ma3ash|rateb|ratib|felous"
            r"|flous|floos|fulus|2rosh|gurush|morat+ab|dmoz|lon\b"
        ),
        r"راتب|معاش|مصاري|فلوس|قروش|مرتب|اجري|اجور|يدفع|دين|يورو|ደሞዝ|ሎን|ገንዘብ|ዕዳ|ዩሮ|ክኸፍል",
    ),
    "boss": (
        (
            r"boss|baas|manager|chef|employer|werkgever|agency|uitzend|supervisor|team ?leader|teamleider"
            r"|m3allem|halekay|kafe+l|kafil|sponsor|ray2?es|mushrif|leidinggevende|voorman"
        ),
        (
            r"المعلم|معلمي|المدير|مديري|صاحب الشغل|صاحب العمل|المسؤول|المكتب|الشيف|الكفيل|كفيلي|الريس|المعزب"
            r"|المشرف|مشرفي|المشغل|مشغلي|ሓለቓ|ሓላፊ|ወናኒ ስራሕ|ኤጀንሲ|ሸፍ|ባስ|ቨርክጌቨር|ኡትዘንድቡሮ"
        ),
    ),
    "forced": (
        (
            r"not allowed|mag niet|mag .* niet|must work|moet werken|force|dwing|locked|opgesloten|sluit"
            r"|slave|slaaf|keep my|keeps my|houden|no food|geen eten|without (?:money|pay)|zonder (?:geld"
            r"|loon)|dont give|geven (?:hem|het) niet|habes|mes+e?k\b|mm?as+e+k|wakh?ed|wa5ed|bala (?:flous"
            r"|felous|ma3ash)|bdoun flous|bbalash|for free|gratis werk|terugbetal|pay (?:it )?back"
        ),
        (
            r"ممنوع|لازم اشتغل|بيجبرني|يجبرني|مجبور|غصب|عبيد|ماسك|ماسكين|واخد|شايل|ماخذ|حابس|محبوس|يحتجز|صادر"
            r"|سحبوا|دون اجر|بدون اجر|بلا اجر|بلا عقد|بدون عقد|من غير عقد|بلا مصاري|بلا راتب|بلا فلوس"
            r"|بدون فلوس|بدون قروش|من غير مرتب|ببلاش|ما بيدفع|مقفل|بيقفل|يقفل|قافل|ما يخلي|ما بيخلي|ما بخلي"
            r"|مش بيخلي|ما يخلو|ما بيخلو|ኣይፍቀደ"
            r"|የገድደ|ባርያ|ባሮት|ሒዙ|ይሕዝ|ይዓጽ|ብዘይ ገንዘብ|ይግደድ|ግዱድ|ብናጻ|ዓጽዮም|ብዘይ ደሞዝ|ብዘይ ሎን"
        ),
    ),
    "touch": (
        (
            r"touch|grab|kiss|aanraak|raakt|zit aan|kuss|photo|foto|picture|pics|sexual|seks|sex\b|body"
            r"|lichaam|billen|bottom|breast|ta7arosh|t7arosh|t7aresh|7aresh|7arash|3akes|sowar|suwar|betast"
            r"|knuffel|zoen"
        ),
        (
            r"يلمس|بيلمس|لمس|صور|جسمي|جسمو|جسدي|يبوس|جنسي|تحرش|يتحرش|بيتحرش|يتحارش|بحرش|يعاكس|بيعاكس|معاكسه"
            r"|يمد ايده|بيمد ايده|ትንክፍ|ስእሊ|ስእልታት|ኣካላት|ስዕም|ጾታዊ"
        ),
    ),
    "insult": (
        (
            r"racis|discrim|monkey|aap\b|terroris|black\b|zwart|hijab|headscarf|hoofddoek|bull(?:y|ies)|pest"
            r"|laugh at|lachen om|uitschelden|uitgescholden|schelden|scheld|call me|noemen mij|refugee"
            r"|vluchteling|go back|slave\b|apenkop|3abd|3onsor|tamy+e?z|yeshtem|byeshtem|yetra2|yesib"
            r"|ga terug"
        ),
        (
            r"عنصري|عنصريه|تمييز|قرد|ارهاب|حجاب|محجبه|يتمسخر|بيتمسخر|يتريق|بيتريق|يسخر|بيسخر|سخريه|السود|يضحك"
            r"|يشتم|بيشتم|بشتم|شتائم|شتيمه|مسبه|يسبوني|بيسبوني|يعاير|بيعاير|يهين|بيهين|اهانه|عبد\b|زنجي|متخلف"
            r"|لاجئ|ارجع لبلدك|اسمر|ዓሌት|ህበይ|ኣሸበርቲ|መንዲል|ላግጽ|ስሕቁ|ዲስክሪሚናሲ|ራሲዝም|ይጸርፉ|ጸርፊ"
            r"|ስደተኛ|ጸሊም"
        ),
    ),
    "danger_now": (
        (
            r"help\b|now\b|nu\b|tonight|vanavond|police|politie|ambulance|emergenc|blood|bloed|bleed|fire\b"
            r"|brand\b|smoke|rook\b|gas\b|breath|adem|stab|gestoken|gun\b|pistool|knife|mes\b|unconscious"
            r"|not moving|reageert niet|fell|gevallen|broken|gebroken|stuck|vast\b|chasing|achtervolg"
            r"|following"
        ),
        (
            r"الحقوني|هلق|هلا|الان|الليله|شرطه|اسعاف|طوارئ|دم\b|ينزف|نزيف|حريق|دخان|غاز|يتنفس|اتنفس|سكين"
            r"|سكينه|مسدس|وقع|انكسر|علقت|يلحقني|انطعن|ሓግዙ|ሕጂ|ሎሚ ለይቲ|ፖሊስ|ኣምቡላንስ|ህጹጽ|ደም|ሓዊ|ትኪ|ጋዝ|ካራ|ሽጉጥ|ወዲቑ|ተሰቢ"
            r"|ተታሒ|ይስዕበ|ተወጊ|ጨውዩ|ጨዊዮ|ኣቕኒዑ"
        ),
    ),
    "threat": (
        r"threat|dreig|bedreig|kill (?:me|you|us)|doodmaken|vermoorden|going to (?:kill|hurt)",
        r"يهدد|بيهدد|هدد|يقتلني|يقتلوني|قتلني|رح يقتل|የፈራርሃ|ፈራርሃ|ክቐትለ|ክቐትል",
    ),
    "fear": (
        r"afraid|scared|fear|bang\b|not safe|niet veilig|unsafe|danger|gevaar",
        r"خايف|خايفه|خوف|امان|خطر|ፈሪሐ|ፈርህ|ፍርሒ|ውሑስ|ሓደጋ",
    ),
    "young": (
        (
            r"years? old|jaar oud|my age|mijn leeftijd|minor|minderjarig|underage|under 18|onder de 18|school"
            r"|klas\b|class\b|born in|geboren|amv\b|unaccompanied|3omri|edmey|i am 1[0-7]\b|ik ben 1[0-7]\b"
            r"|1[0-7] (?:years|jaar)"
        ),
        r"عمري|قاصر|الصف|مواليد|ዕድመይ|ዓመተይ|ንእሽቶ|ክፍሊ|ተወሊደ",
    ),
}


def _join(alternation: str) -> str:
    from bot.safeguarding.recognise import normalize  # here: recognise imports nothing of this module

    return normalize(alternation) or r"(?!)"


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
