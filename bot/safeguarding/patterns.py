"""Curated phrase patterns per category, for nl, en, ar (MSA, Levantine, Arabizi) and ti (Ge'ez and
Latin). They are matched on text normalised by bot/textnorm.py, and are normalised the same way
before compiling, so they may be written in natural spelling (أ, ة, ሓ, ዓ...).

Write them recall-first: a missed disclosure costs far more than one extra question, and the
newcomer can dismiss a false alarm with one tap. Never use upper-case regex escapes (\\S, \\W, \\D,
\\B): normalisation case-folds the pattern. Check every change with `werkhelpdesk nlu evaluate`.
"""

from __future__ import annotations

import re
from datetime import date

# Shared fragments ---------------------------------------------------------------------------------
_I_EN = r"(?:i|i'm|im|i am|iam|me)"
_NUM_MINOR = r"(?:1[0-7])"
_WORD_MINOR_EN = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
_WORD_MINOR_NL = r"(?:tien|elf|twaalf|dertien|veertien|vijftien|zestien|zeventien)"
_WORD_MINOR_AR = r"(?:(?:اربع|خمس|ست|سبع|تلت|ثلاث)(?:ه)? ?(?:تاشر|طاشر|تعشر|عشر)|ستاشر|سبعتاشر|خمستاشر|(?:ا|أ)?ربع ?طعش|(?:ا|أ)?ربعتعش|خمس ?طعش|خمستعش|ستعش|ست ?طعش|سبع ?طعش|سبعتعش|تلتعش|ثلاث ?عشر|اربع ?عشر|خمس ?عشر|ست ?عشر|سبع ?عشر)"
_WORD_MINOR_TI = r"(?:(?:ዓሰርተ|ኣስራ|ዓስራ|ዐሥራ) ?(?:ሰለስተ|ኣርባዕተ|ሓሙሽተ|ሽዱሽተ|ሸውዓተ|ሦስት|ሶስት|ኣራት|ኣምስት|ስድስት|ሰባት))"
# Tigrinya numbers 13-17 in Latin letters ("aserte shdushte").
_WORD_MINOR_TI_LATIN = r"(?:(?:aserte|asrte|asirte|aserti|asra) ?(?:seleste|arbaete|arbate|arba'ete|hamushte|hamuste|hamshte|shdushte|shdshte|shidushte|shewate|shewa'ate|shewaate))"
# Colloquial spellings of 13-17 in Arabic script (ستطعشر, سطاشر, خمسطعشر) and Arabizi (sab3tash, 5ame6ash),
# and the MSA ordinals of "in my sixteenth year" (السادسة عشرة).
_WORD_MINOR_AR_MORE = r"(?:(?:تلت|ثلاث|ثلت|اربع|ارب|خمس|خمص|ست|سط|سبع)(?:ه)? ?(?:طعشر|تعشر|طاعش|تاعش|طاشر|تاشر|اشر|عشره|طعش|تعش)|(?:الثالثه|الرابعه|الخامسه|السادسه|السابعه) عشر(?:ه)?)"
_WORD_MINOR_ARABIZI = r"(?:(?:tlat|tal?at|thalath|arba3|arb3|5ams|khams|5amis|khamis|5ame|khame|sitt?|sett?|sab3|saba3)(?:a|at|ata|ta|t)?(?:3a?sh(?:ar)?|6a?sh(?:ar)?|ta?sh(?:ar)?|ta3a?sh(?:ar)?))"
_NUM_WORD_MINOR = rf"{_NUM_MINOR}|{_WORD_MINOR_EN}|{_WORD_MINOR_NL}|{_WORD_MINOR_AR}"
# "16 years in this country", "zestien jaar geleden": a duration, not an age.
_NOT_SINCE = r"(?! (?:ago|geleden|lang|long|in |hier|here|experience|ervaring|getrouwd|married|gewerkt|worked|werk))"
_NOT_UNITS = r"(?!\s*(?:hours?|uur|u\b|euro|€|%|minut|min\b|dagen|days?\b|weken|weeks?\b|km\b|kilo|jaar ervaring|years? (?:of )?experience|years? (?:in|here)\b|jaar (?:in|hier)\b|ساعه|ساعات|يورو|ሰዓት|ዩሮ))"

# Round 12: what a course or a policy is about (a course on first aid or harassment is not a disclosure).
_COURSE = r"\b(?:course|training|trainer|workshop|certificate|cursus|training|opleiding|certificaat|diploma|les|lessen)\b|دوره|تدريب|ورشه|كورس|مدرب|شهاده|ስልጠና|ኮርስ|ሰርቲፊኬት"
_PREVENTION = r"\b(?:prevent(?:ing|ion)?|awareness|policy|voorkomen|preventie|beleid)\b|منع|الوقايه من|مكافحه|ምክልኻል"
_EMERGENCY_TOPIC = r"\b(?:first aid|cpr|bhv|ehbo|emergency response|emergency|reanimatie|reanimeren)\b|(?:ال)?اسعاف(?:ات)? (?:ال)?اولي(?:ه)?|(?:ال)?طوارئ|(?:ال)?انعاش|ቀዳማይ ረድኤት|ናይ ሓደጋ"
_HARASSMENT_TOPIC = r"\b(?:(?:sexual |workplace )?harass\w*|ongewenst(?:e)? gedrag|(?:seksuele )?intimidatie|discriminat\w*|racism|pesten)\b|(?:ال)?تحرش|(?:ال)?تمييز|(?:ال)?تنمر|ጾታዊ ምትንኻፍ|ምትንኻፍ|ኣድልዎ"

# The patterns, per category --------------------------------------------------------------------------
PATTERNS: dict[str, list[str]] = {
    "suicide": [
        # round 11: plain synonyms that the cross-validation showed missing (Tigrinya above all)
        r"ምንባር (?:ኣይደልን|ኣይደሊን|ሰልኪዩኒ|ደኺመ)|ህይወት (?:ሰልኪየ|ሰልቺዩኒ|ሰልኪዩኒ|ኣሰልቺዩኒ|ኣሕሊፈ)|ዝነብረሉ ምኽንያት|ገመድ ገዚ|ከኒና ኣኪበ|ክንደይ ከኒና (?:ይኣክል|ይቐትል)",
        r"ጽባሕ (?:ክርኢ|ክርእዮ|ክበጽሕ) ኣይደልን|ክጠፍእ (?:ደልየ|እደሊ|ይደሊ)|ክሞት ፈቲነ|ነብሰይ .{0,20}(?:ዝቐትል|ክቐትል)|ነብሰይ ክቐትል ፈቲነ",
        r"\b(?:hiwet|hiywet|mnbar|minbar) (?:aydelen|aydlen|aydeln|selkiye|selchiyuni|selkiyuni)\b|\b(?:zneberelu|zeneberelu|znebrelu) (?:mknyat|mkniat|mikniyat|mknyt)\b|\bkmot fetine\b",
        r"\b(?:want|wanna|going|gonna|will|wish|try|tried) (?:to )?finish (?:my life|my ?self)\b|\bfinish my ?self\b|\bmy heart to stop\b|\b(?:don'?t|do not|dont) want to see tomorrow\b|\bimagining my (?:own )?funeral\b",
        r"\bmijn hart (?:laten )?stoppen\b|\bwil (?:alles|mijn leven) (?:beeindigen|beëindigen|stoppen)\b|\bik wil sterve?n?\b|\bmorgen niet (?:meer )?(?:zien|meemaken)\b",
        r"(?:مش|ما|مو) (?:عايز|بدي|ابغى|اريد) (?:اشوف|شوف) (?:بكره|بكرا|الصبح)|(?:ما|مش) (?:اصحى|اصحي|اقوم) (?:بكره|بكرا)|\bmab2ash 3ayez akamel\b|(?:جربت|حاولت) (?:موت|انتحر|اقتل حالي)",
        # en
        r"\b(?:want|wanna|going|gonna|wish|plan(?:ning)?|think(?:ing)? (?:of|about)|tried) (?:to )?(?:die|kill (?:my ?self|me)|end (?:my life|it all)|take my (?:own )?life|hang my ?self|jump)",
        r"\bkill(?:ing)? my ?self\b",
        r"\bsu[i]?[c]?[i]?d(?:e|al)\b|\bsuicid",
        r"\b(?:don'?t|do not|dont|no longer) want to (?:live|be alive|wake up)",
        r"\b(?:no (?:reason|point)|cant go on|can'?t go on|not worth) (?:to |of |in )?(?:liv|life|go on)",
        r"\b(?:better|wish) (?:if |that )?i (?:was|were|am) dead\b",
        r"\bend (?:my life|it all)\b|\bend my own life\b",
        r"\bif i died\b|\bwhen i'?m dead\b",
        r"\bwant to disappear forever\b",
        r"\b(?:why|what) (?:should|would) i (?:still )?(?:be )?liv",
        r"\bi should (?:just )?die\b|\bi want to be dead\b",
        r"\bto end it\b|\bending (?:my life|it all)\b",
        r"\b(?:sleep|go to sleep) and never wake up\b|\bending everything\b|\bwant to die\b",
        # nl
        r"\bik wil (?:gewoon |echt )?(?:dood|sterven|niet meer leven|er niet meer zijn|zelfmo|mezelf|mijn leven)(?! ?moe)",
        r"\bwil (?:dood|sterven)(?: gaan)?\b(?! ?moe)",
        r"\bwil ik (?:er )?(?:niet meer (?:leven|zijn)|dood\b(?! ?moe)|zelfmo|mezelf)",
        r"\bzelfmo[o]?r[d]?|\bzelfdoding|\bsu[iï]cid",
        r"\bniet meer (?:leven|wakker worden|verder)\b",
        r"\b(?:eind|einde) (?:aan|van) (?:mijn|m'n) leven|\ber een (?:eind|einde) aan (?:te )?maken",
        r"\bvan kant maken\b|\bmezelf (?:dood|doden|iets aan)|\bme ?zelf (?:dood|doden)",
        r"\bliever dood\b|\bbeter (?:dat|als) ik dood\b|\bals ik dood (?:was|ben)\b",
        r"\bhoeft (?:voor mij )?niet meer\b|\bgeen zin meer in (?:het |mijn )?leven",
        r"\bme(?:zelf)? ophangen\b|\bvan de brug springen\b|\bstoppen met leven\b",
        r"\bwaarom zou ik (?:nog )?leven",
        r"\bnooit meer wakker (?:worden|te worden)\b|\bik kan niet meer\b.{0,20}\bdood\b",
        # ar (MSA and dialects)
        r"(?:بدي|بدى|اريد ان|اريد|عايز|عاوز|ابغى|ابي|نفسي|رح|راح|بفكر|افكر) ?(?:ا|أ)?(?:موت|مت\b|انتحر|اقتل (?:حالي|نفسي)|انهي حياتي|خلص من حياتي)",
        r"انتحار|انتحر|انتحاري",
        r"(?:ما|مش|لا) (?:عاد )?(?:بدي|اريد|ابغى|عايز) (?:ا|أ)?(?:عيش|ضل عايش|اعيش)",
        r"(?:انهي|انهاء|خلص من) حياتي",
        r"اقتل (?:حالي|نفسي)|(?:ارمي|ارمى) حالي",
        r"الموت (?:احسن|افضل)|(?:اذا|لو) مت\b",
        r"ما في (?:داعي|سبب) (?:ا|أ)?عيش|تعبت من الحياه",
        r"(?:بدي|اريد) (?:نام|انام) وما (?:فيق|اصحى)|بدي خلص من كل شي",
        # Arabizi
        r"\b(?:bdi|badi|baddi|bde|bidi|3ayez|3awez|abgha) ?(?:a|i)?(?:mout|moot|mot|amout|amoot|ente7er|nt7er|2tol 7ali|i2tol 7ali|o2tol 7ali)\b",
        # the same with "bade", the feminine "3ayza" and "2ente7er"/"ente7ir" (exploratory test, 2026-12-05)
        r"\b(?:bdi|badi|baddi|bade|bde|bidi|3ayez|3awez|3ayza|3awza|abgha) ?(?:a|i|2)?(?:mout|moot|amout|amoot|ente7[aei]r|nte7[ei]r|nt7er)\b",
        r"\bente7ar|\bent7ar|\b2tol 7ali\b",
        r"\bma (?:3ad )?(?:badi|bdi|bde) (?:3ish|3eesh|e3ish)\b",
        r"\b(?:mish|msh|mosh) (?:3ayez|3ayza|3awez|3awza) a?3(?:ee|i|ii)sh\b",  # Egyptian: I don't want to live
        # ti
        # (?<!\w): not the end of another word ("ሕምምቲ እያ", she is ill, meets "ምሟት እየ" on the skeleton)
        r"(?<!\w)(?:ክመውት|ክሞት|ምሟት|ክመዉት) ?(?:እደሊ|ደልየ|ደልዬ|እየ|ይሓይሽ)",
        r"ምሟት ይሓይሽ|\bሞት ይሓይሽ|\bሞት ጥራይ",
        r"ክነብር (?:ኣይደልን|ድሌት የብለይን)|ህይወት ኣይደልን|ምንባር ደኺመ",
        r"(?:ነብሰይ|ርእሰይ) (?:ክቐትል|ክቅትል|ክጎድእ|ክሓንቕ)",
        r"(?:ነብሰ|ርእሰ) ?(?:ቕትለት|ቅትለት)",
        r"ህይወተይ (?:ከብቅዕ|ክውድእ)",
        r"እንተ ሞይተ",
        r"ካብ ድልድል",
        r"ደቂሰ ክተርፍ|ከይተንስእ",
        r"\b(?:kmewt|kmot|kmut|kmewet) ?(?:delye|deleye|edeli|edli|eye)?\b",
        r"\b(?:nebsey|nebsei|risey|r'isey) (?:k?qetl|k?ktel|kqtl)",
        # Indirect wishes to die (issue 19, second pass): burden, better off without me, sleeping for ever,
        # God take me, disappearing from the world, goodbye letters, nobody would miss me, saving pills.
        r"\b(?:better|happier|easier) (?:off )?without me\b|\bi(?:'m| am)? (?:just |only )?(?:a |the )?burden\b",
        r"\bburden (?:to|for|on) (?:everyone|everybody|my family|them|all)\b",
        r"\b(?:sleep|rest) forever\b|\bsleep and (?:never|not) wake\b|\b(?:never|not) (?:to )?wake up (?:again|tomorrow|anymore)",
        r"\b(?:god|allah|lord),? (?:please )?take (?:me|my soul|my life)\b|\b(?:god|allah) to take (?:me|my soul)\b",
        r"\bdisappear (?:from (?:this|the) world|forever)\b|\bleave this world\b|\bgoodbye (?:letter|note)\b",
        r"\b(?:nobody|no one|noone) (?:will|would|is going to) (?:miss|notice) me\b|\bwish i (?:was|were|had) never (?:been )?born\b",
        r"\bno (?:reason|point) (?:to|in) (?:live|living|wake|go on)\b|\b(?:tired of|done with) (?:living|life|being alive)\b",
        r"\b(?:collect|collecting|collected|saved|saving) (?:\w+ )?(?:pills|tablets)\b|\bbought a rope\b",
        r"\b(?:beter|gelukkiger) (?:af )?zonder mij\b|\bik ben (?:alleen (?:maar )?|gewoon )?(?:een last(?! kwijt)|tot last)\b",
        r"\b(?:voor altijd|eeuwig) (?:slapen|rust)\b|\bslapen en (?:nooit|niet) meer wakker\b|\bniet meer wakker (?:word|wordt|worden)\b",
        r"\bgod,? (?:neem|haal) (?:mij|me)\b|\b(?:god|allah) (?:om )?(?:mij|me) (?:te )?(?:halen|nemen)\b",
        r"\b(?:verdwijnen|weg) (?:van|uit) (?:deze|de) wereld\b|\bvan de wereld af\b|\bafscheidsbrief\b",
        r"\bniemand (?:zal|gaat) (?:mij|me) missen\b|\bnooit geboren\b|\bniet meer bestaan\b",
        r"\bgeen reden (?:meer )?om (?:te leven|door te gaan|op te staan)\b|\b(?:moe van|klaar met) (?:het |mijn )?leven\b",
        r"\b(?:pillen|tabletten) (?:gespaard|verzameld)\b|\btouw gekocht\b",
        r"(?:احسن|افضل|يرتاحوا|بيرتاحوا) (?:بدوني|بلاي|من غيري)|(?:الكل|كلهم|اهلي) (?:رح )?(?:يرتاح|يرتاحوا|بيرتاحوا) مني",
        r"انا (?:بس |مجرد )?(?:عبء|عبئ|حمل تقيل|حمل) (?:على|عل)",
        r"(?:انام|نام|انعس) (?:للابد|وما (?:اصحي|فيق|اقوم)|ومصحاش)",
        r"(?:يا ?رب|الله|ربي) (?:ياخذني|ياخدني|خدني|خذني|ياخذ روحي|ياخد روحي|تاخد روحي|ياخذ عمري)",
        r"(?:اختفي|اختفاء) من (?:هالدنيا|الدنيا|هالعالم|العالم)|(?:اترك|اطلع من) (?:هالدنيا|الدنيا)",
        r"رساله (?:الوداع|وداع)|ما حدا (?:رح )?(?:يشتاقلي|يفتقدني)|(?:يا ?ريتني|ليتني) (?:ما|لم) (?:خلقت|انولدت|اولد)",
        r"تعبت من (?:الحياه|العيشه|الدنيا|اني عايش)|(?:زهقت|مليت) من (?:حياتي|الحياه)|(?:جمع|جمعت) (?:حبوب|ادويه)",
        r"ብዘይ ኣነ (?:ይሓይሽ|ይሓይሾም|ሓራ)|(?<!ነፍሰ )\bጾር (?:እየ|ጥራይ)\b",
        r"(?:ኣምላኽ|እግዚኣብሄር) (?:ውሰደኒ|ይውሰደኒ|ነፍሰይ)|ህይወተይ (?:ወዲኣ|ተወዲኣ)|ወዲኣ ህይወተይ",
        r"ካብዛ ዓለም (?:ክጠፍእ|ክወጽእ)|ንዘልኣለም (?:ክድቅስ|ዕረፍቲ እደሊ)|ናይ (?:መወዳእታ|ስንብት) (?:መልእኽቲ|ደብዳቤ)",
        r"\bamlak wsedeni\b|\bhiywetey wedi'?a\b|\bkneber aydelen\b|\bya rab khedni\b|\ballah yakhudni\b",
    ],
    "danger": [
        # round 11: short calls for help now, stabbed, shot, kidnapped, a gun pointed
        r"^(?:help|hulp|help me|helpen)[ !.,]*(?:now|nu|quick|snel|asap|please now|alstublieft nu)[ !.]*$|\b(?:ik heb|i need) (?:nu |now )?(?:de |the )?(?:politie|police) (?:nodig|now)\b|\bgestoken\b|\bgeschoten\b|\bschiet(?:en)? op\b|\bbreaking (?:my|the|our) (?:window|door)\b",
        r"(?:ساعدوني|ساعدني|الحقوني) (?:هلق|هسه|الحين|بسرعه|هلا)|(?:بدي|ابغى|عايز|اريد) (?:ال)?شرطه|انطعنت|طعنني|طعنوني|خطفوا|خطفوني|انخطف",
        r"(?:ሕጂ ሓግዙኒ|ሓግዙኒ ሕጂ)|ሽጉጥ (?:ኣቕኒዑ|ሒዙ|ኣቕኒዖም)|ብካራ (?:ወጊኡኒ|ወጊኦምኒ)|\bhagezuni hji\b|\bhji hagezuni\b",
        # en
        r"\b(?:attack|attacking|hitting|beating|stabb|chok|strangl)(?:ing)? me\b",
        r"\b(?:has|with) a (?:knife|gun|weapon)\b|\bman with a (?:knife|gun)\b",
        r"\bnot breathing\b|\bcan'?t breathe\b|\bcant breath",
        r"\b(?:there is|there's) (?:a )?fire\b|\bsmoke everywhere\b|\bfire in (?:our|my|the) (?:house|room|building)",
        r"\bbleeding\b|\bi am hurt\b|\bi'?m hurt\b|\bhurt badly\b|\bbadly (?:hurt|injured)\b",
        r"\b(?:will|wants? to|going to|gonna|trying to|try to|threaten(?:ed|s)? to) (?:kill|hurt) (?:me\b|my (?!self))",
        r"\bin danger\b|\bnot safe here\b|\bscared for my life\b|\bafraid for my life\b",
        r"\bcall (?:the )?police\b|\bneed (?:an )?ambulance\b|\bambulance now\b|\bemergency\b",
        r"\bswallowed poison\b|\boverdos|\bcollapsed\b|\belectrocut|\bnot (?:moving|waking up)\b",
        r"\b(?:fell|fallen) from\b.{0,30}(?:not moving|hurt|bleed)",
        r"\bbroke into my\b|\bfollowing me\b.{0,40}(?:scared|afraid|hurt)",
        r"\bthreaten(?:s|ing)? me\b|\bthreatens? me with\b",
        r"\bbeat me up\b|\bthey beat me\b",
        r"\bchest pain\b",
        r"\b(?:stab|shoot)\b.{0,10}\b(?:me|him|her)\b|\bblood everywhere\b|\b(?:house|room|building|kitchen) is on fire\b|\bon fire\b|\bkill me tonight\b|\bcannot breathe\b",
        # nl
        r"\b(?:valt|vallen) (?:me|mij) aan\b|\bslaat (?:me|mij) nu\b|\bslaan (?:me|mij)\b",
        r"\b(?:heeft|met) een (?:mes|pistool|wapen)\b|\bbedreigt (?:me|mij) met\b",
        r"\bademt niet\b|\bkan niet ademen\b|\bgeen adem\b",
        r"\ber is brand\b|\boveral rook\b|\bbrand in (?:ons|mijn|het) ",
        r"\bik bloed\b|\bbloedt\b|\b(?:zwaar )?gewond\b",
        r"\b(?:gaat|wil|gaan|dreigen|dreigt) (?:me|mij|mijn familie|ons) (?:te )?(?:vermoorden|doodmaken|dood ?maken|pijn (?:te )?doen)",
        r"\b(?:me|mij) (?:wil|willen|gaat|gaan) (?:vermoorden|doodmaken|dood ?maken)\b|\bwil (?:me|mij) (?:vermoorden|doodmaken)\b|\bme (?:gaat )?vermoorden\b",
        r"\bin gevaar\b|\bniet veilig hier\b|\bhier niet veilig\b|\bbang voor mijn leven\b",
        r"\bbel (?:de )?politie\b|\bambulance\b|\bnoodgeval\b|\b112\b",
        r"\bgif (?:gedronken|ingeslikt)\b|\bin elkaar (?:gezakt|geslagen)\b|\bwordt niet wakker\b|\bbeweegt niet\b",
        r"\bingebroken\b|\bvolgt (?:me|mij)\b.{0,40}(?:bang|pijn)",
        r"\b(?:ik word|word ik) bedreigd\b|\bbedreigen (?:me|mij)\b|\bbedreigt (?:me|mij)\b",
        r"\bpijn op de borst\b|\bschok gehad\b",
        r"\bdie (?:me|mij) bedreigen\b|\bprobeer\w* (?:me|mij) pijn te doen\b",
        r"\bneer te steken\b|\bsteekt (?:me|mij)\b|\b(?:me|mij) (?:\w+ )?vermoordt\b|\bstaat in brand\b|\bin brand\b",
        # ar
        r"(?:يهجم|عم يهجم|هجم) علي|(?:عم )?(?:يضربني|يضربوني) (?:هلق|هلا|الان|هلأ)|عم يضربوني",
        r"(?:معه|معو|بيده|حامل) (?:سكين|مسدس|سلاح)|(?:يهددني|بيهددني) (?:ب|بال)?(?:سكين|مسدس|سلاح)|بسكين|بمسدس",
        r"(?:ما|مش) (?:عم )?(?:يتنفس|بيتنفس|يفيق|عم يفيق|يتحرك)|(?:ما|مش) (?:عم )?(?:اقدر|بقدر) اتنفس",
        r"(?:في|صار|فيه) حريق|دخان بكل|نار بالبيت|انصبت|حادث (?:بالشغل|بالعمل)",
        r"(?:عم )?(?:انزف|نزف|بنزف)|نزيف|مصاب",
        r"(?:رح|راح|بدو|بده|يريد ان|يريد|هدد|هددوا|بدهم) ?(?:ي|ا)?(?:قتلني|قتلوني|قتلوا عيلتي|يقتلني|يقتلوني|قتل عيلتي|يقتلوا عيلتي|يأذيني|ياذيني)",
        r"(?:بخطر|في خطر|بالخطر)|(?:مش|لست) (?:با|ب)?(?:امان|أمان) هون|خايف على حياتي|خايفه على حياتي",
        r"(?:اتصلوا|اتصل|كلموا) (?:بال|على ال)?شرطه|اسعاف|طوارئ|طواريء",
        r"شرب سم|بلع سم|كهربتو|كهربه الكهربا|وقع من",
        r"(?:عم )?(?:يهددوني|يهددني)|لاحقني",
        r"ضربوني|الم بصدري",
        r"يطعني|يقتلني|عم يحترق|يحترق|في دم كتير|دم كتير",
        r"\b(?:bado|badu|bidu) (?:yi2tolni|y2tolni|ye2tolni)\b|\b(?:3am )?nzef\b|\bis3af\b",
        # ti
        r"(?:ይወቕዓኒ|ይሃርመኒ|ይሃርሙኒ|ይወቕዑኒ) ኣሎ|(?:ይወቕዓኒ|ይሃርሙኒ|ይሃርመኒ) ኣለዉ|ሕጂ (?:ይወቕዓኒ|ይሃርመኒ)",
        r"(?:ካራ|ሽጉጥ|ብረት) ሒዙ|ብካራ",
        r"ኣይተንፍስን|ክተንፍስ ኣይክእልን|ኣይትንስእን|ኣይንቀሳቐስን",
        r"ሓዊ ኣሎ|ትኪ ኣሎ",
        r"ደም (?:ይፈስሰኒ|ይፈስስ)|ተጎዲአ",
        r"ክቐትለካ እየ|ክቐትለኒ|ክቐትሉ ኢሎም|ክጎድኣኒ|ክቐትሉኒ|ከይጎድኣኒ",
        r"ኣብ ሓደጋ|ሓደጋ በጺሑኒ|ውሑስ ኣይኮንኩን|ንህይወተይ እፈርሕ",
        r"ፖሊስ ጸውዑ|ኣምቡላንስ|ህጹጽ",
        r"መርዚ ሰትዩ|የፈራርሃኒ|የፈራርሑኒ|ኣፈራሪሆምኒ|ሃሪሞምኒ|ኤሌክትሪክ ሒዝዎ",
        r"\bab hadega\b|\bkqetleni\b|\bhagizuni\b",
        r"ይነድድ ኣሎ|ብዙሕ ደም|ክወግኣኒ",
    ],
    "domestic_violence": [
        # en
        r"\bmy (?:husband|wife|partner|boyfriend|girlfriend|brother|father|dad|uncle|ex|family|mother in law)\b.{0,40}\b(?:hits?|hitting|beats?|beating|beat|hurts?|hurting|hit|slaps?|kicks?|pushed|violent|abuses?|chok(?:ed|es|ing)|strangl\w*|forces? me|threatens?|controls|does not let me|doesn'?t let me|dont let me|takes my money|take the children)\b",
        r"\b(?:hits?|beats?|hurts?) me at home\b|\bat home (?:they|he|she) (?:beat|hit|hurt)s?\b|\bat home my \w+ (?:hits|beats)",
        r"\b(?:domestic|home) violence\b|\bviolence at home\b|\bnot safe at home\b",
        r"\b(?:afraid|scared) (?:to go home|of my husband|of my partner|of my wife)\b",
        r"\bbruises from my\b|\bhusband beating\b|\bhusband hurting\b",
        r"\blocks? me (?:in|up)\b|\blocked me in\b",
        r"\bpushed me\b.{0,30}\bat home\b|\bat home\b.{0,30}\bpushed me\b",
        # nl
        r"\bmijn (?:man|vrouw|partner|vriend|vriendin|broer|vader|oom|ex|familie|schoonfamilie)\b.{0,40}\b(?:slaat|sloeg|slaan|geslagen|schopt|mishandelt|gewurgd|wurgt|doet (?:me|mij) pijn|bedreigt|dwingt|gewelddadig|controleert|laat (?:me|mij) niet)\b",
        r"\bthuis (?:word ik|slaat|slaan)|\b(?:slaat|slaan) (?:me|mij) thuis\b|\bpijn thuis\b",
        r"\bhuiselijk geweld\b|\bgeweld thuis\b|\bthuis niet veilig\b|\bniet veilig thuis\b",
        r"\b(?:niet|durf niet) naar huis\b.{0,30}\bman\b|\bbang voor mijn (?:man|vrouw|partner)\b",
        r"\bblauwe plekken van\b|\bman (?:slaat|doet) me\b|\bsluit (?:me|mij) op\b|\bsloot (?:me|mij) op\b",
        r"\bduwde (?:me|mij)\b",
        r"\b(?:vader|man|broer) (?:\w+ ){0,3}slaat hij (?:me|mij)\b|\bslaat hij (?:mij|me) en\b",
        # ar
        r"(?:^|[\s,و])(?:جوزي|زوجي|مرتي|زوجتي|خطيبي|اخوي|اخي|ابوي|ابي|اهلي|عمي|طليقي|حماتي) ?(?:و ?\w+ )?(?:عم )?(?:بي|ي|ب|بت|ت)?(?:ضرب|عنف|رفس|هدد|جبر)",
        r"بالبيت.{0,20}(?:بيضربني|يضربني)|(?:جوزي|زوجي) (?:عنيف|ما بيخليني)|خايفه (?:من جوزي|من زوجي|ارجع)",
        r"(?:مرتي|زوجتي) عنيفه|(?:ابوي|ابي|جوزي|زوجي)\b.{0,25}(?:بيضربني|يضربني|ضربني|بيضربنا)|\b(?:jozi|zawji) (?:darabni|darbni|drabni)\b",
        r"عنف (?:اسري|منزلي|بالبيت)|في عنف بالبيت|(?:مش|لست) (?:با|ب)?(?:امان|أمان) بالبيت",
        r"بالبيت (?:بيضربوني|بيضربني|يضربوني)|كدمات من",
        r"\b(?:jozi|zawji|joze|zoji) (?:3am )?(?:bi|b|y|ya)?(?:d|dr|dir)(?:o|a|i)?(?:b|rb)",
        # "jozi byedrebni", Egyptian "gozy bydrabny" (exploratory test, 2026-12-05)
        r"\b(?:jozi|zawji|joze|zoji|gozy|gozi|goze) (?:3am )?(?:bi|by|be|b|y)(?:e|i)?dr(?:o|a|i|e)b",
        r"\b(?:jozi|zawji) (?:bi ?darbni|yadribuni|bidrobni|ydrobni)\b",
        # ti
        r"(?:ሰብኣየይ|ሰበይተይ|መጻምድተይ|ሓወይ|ኣቦይ|ስድራይ|ዓርከይ|ሓማተይ)(?:ን)?.{0,25}(?:ይወቕዓኒ|ይሃርመኒ|ትወቕዓኒ|ይጎድኣኒ|ሃሪሙኒ|የፈራርሃና|ይወቕዑኒ|ይረግጸኒ|የሳቕየኒ|ዓመጸኛ|ብግዲ|ኣይፈቕደለይን)",
        r"ኣብ ገዛ (?:ይወቕዑኒ|ይወቕዓኒ|ይሃርመኒ|ውሑስ ኣይኮንኩን|ዓመጽ)|ዓመጽ (?:ኣብ )?ገዛ|ኣብ ገዛና ዓመጽ",
        r"ገዛ ክኸይድ እፈርህ|ካብ ሰብኣየይ እፈርህ|ዓጽዩ ይወቕዓኒ|ማህሰይቲ|ቆልዑ ክወስዶም",
        r"(?:ሰብኣየይ|ሰበይተይ|ኣቦይ|ሓወይ).{0,30}(?:ወቒዑኒ|ወቕዑኒ|ይወቕዓና|ዓመጸኛ)|\b(?:sebeyey|seb'ayey) (?:weqi3uni|yweq3ani|weq3uni)\b",
        r"\b(?:sebeyey|seb'ayey|sebayey)\b|\bab geza y(?:weq|hr)",
    ],
    "exploitation": [
        # round 11: working days far past the legal limit
        r"\b(?:1[4-9]|2[0-4]) (?:hours?|uur|u)(?: (?:of )?(?:work|werk|werken))? (?:(?:a|per|each|every|op een|elke) )?(?:day|dag)\b|\b(?:(?:a|per|each|every|elke) )?(?:day|dag),? (?:1[4-9]|2[0-4]) (?:hours?|uur)\b|\b(?:[7-9][0-9]|1[0-2][0-9]) (?:hours?|uur) (?:(?:a|per|each|every|in de) )?week\b",
        r"(?:1[4-9]|2[0-4]) ساعه (?:شغل |عمل )?(?:باليوم|يوميا|في اليوم|كل يوم)|(?:ብመዓልቲ|መዓልቲ) (?:1[4-9]|2[0-4]) ሰዓት|(?:1[4-9]|2[0-4]) ሰዓት (?:ብመዓልቲ|ኣብ መዓልቲ)",
        # en
        r"\b(?:keeps?|kept|took|takes?|holds?|has|have|withhold|withholds|wont give back|does not give back|doesn'?t give back)\b.{0,25}\b(?:my|our) (?:passport|documents|papers|id|id card|bank ?card)\b|\b(?:keeps?|withholds?|took|takes?) (?:my|our) (?:wages?|salary)\b",
        r"\b(?:not|never|hasn'?t|haven'?t|didn'?t|did not|dont|don'?t|do not|no) (?:been )?(?:paid|pay(?:ing)? me|receive(?:d)? my (?:salary|wage|pay))\b",
        r"\bwork\b.{0,20}\b(?:and|but) (?:they )?(?:dont|don'?t|do not|never) pay\b|\bno (?:salary|wages?|pay)\b|\bwithout pay\b|\bwages? (?:are |is )?withheld\b|\bpay me my salary\b",
        r"\b(?:owe|debt)\b.{0,40}\b(?:work|pay (?:it )?(?:back|off))\b|\bpay (?:back|off) (?:a |my )?(?:big )?debt\b",
        r"\b(?:cannot|can'?t|not allowed to|dont let (?:me|us)|don'?t let (?:me|us)|wont let (?:me|us)|won'?t let (?:me|us)) (?:leave|go out)\b",
        r"\block (?:us|me) in\b|\bsleep in the factory\b",
        r"\b1[0-9] hours a day\b|\b(?:[0-9]|1[0-9]) euros? an? hour\b",
        r"\bforced to work\b|\bfalse promises\b|\bexploit",
        r"\bcall immigration if\b|\bif i (?:quit|complain)\b.{0,30}\b(?:hurt|kill|immigration|police|deport)",
        r"\btake half my wage\b",
        r"\b[0-9] days\b.{0,10}\b1[0-9] hours\b|\bwork (?:it|them) off\b|\bhave not paid me\b|\bhaven'?t paid me\b|\bnever pays? me\b|\bcannot quit\b|\bcan'?t quit\b",
        # nl
        r"\b(?:houdt|houden|heeft|hebben|pakt|pakken|afgepakt|afgenomen|geeft|vast)\b.{0,25}\b(?:mijn|m'n) (?:paspoort|papieren|id|id[- ]?kaart|bankpas|documenten)\b|\bhouden mijn (?:loon|salaris)\b",
        r"\b(?:mijn|m'n) (?:paspoort|papieren|bankpas|documenten)\b.{0,25}\b(?:afgepakt|afgenomen|vast|ingehouden|niet terug)\b",
        r"\b(?:ik ben|ben ik|me|mij|ons)\b.{0,20}\b(?:niet|nooit) (?:meer )?(?:betaald|uitbetaald)\b|\bbetalen (?:me|mij|mijn loon|mijn salaris) niet\b|\bbetaalt (?:me|mij) (?:al \w+ \w+ )?niet\b",
        r"\bgeen (?:loon|salaris)\b|\bzonder betaald|\bloon wordt achtergehouden\b|\bhouden mijn loon\b",
        r"\bschuld\b.{0,40}\b(?:werken|terugbetalen|af ?betalen)\b|\bschuld bij de baas\b",
        r"\b(?:mag|mogen) (?:het huis|niet naar buiten|niet weg)|\bniet naar buiten\b|\blaten (?:me|mij|ons) niet weg\b|\blaat (?:me|mij) niet weg\b",
        r"\b(?:werken|werk) en (?:ze )?betalen (?:me |mij |ons )?niet\b|\bsluiten (?:ze )?(?:ons|me|mij) op\b|\bslapen in de fabriek\b|\bzonder rust\b|\belke dag werken\b",
        r"\b1[0-9] uur (?:per|op een) dag\b|\b[0-9] euro per uur\b",
        r"\buitbuit|\bvalse beloft|\bdreigen de ind\b|\bals ik stop\b.{0,30}\b(?:familie|pijn)",
        r"\bhelft van mijn loon\b|\bwerken om\b.{0,20}\bschuld",
        r"\b[0-9] dagen\b.{0,10}\b1[0-9] uur\b|\bschuld\b.{0,40}\bafwerken\b|\bniet mag stoppen\b|\bbetaalt (?:me |mij )?nooit\b",
        # ar
        r"(?:اخد|اخذ|ماسك|ماسكه|ماسكين|يحتفظ ب|محتفظ ب|سحب|اخدوا|اخذوا)(?:\w*) ?(?:جوازي|جواز سفري|اوراقي|هويتي|كرت البنك|بطاقتي|باسبوري)",
        r"(?:جوازي|جواز سفري|اوراقي|بطاقه الهويه)(?:\w*)? (?:معه|عنده|عند المعلم|ماسكه)",
        r"(?:ما|مش|لم|ما عم) ?(?:قبضت|قبضنا|يدفعولي|يدفعلي|دفعلي|يدفع لي|بيدفعولي|استلمت|يعطيني) ?(?:معاشي|راتبي|اجري|مصاري|من (?:شهر|[0-9]))|(?:بيدفعوا|يدفعوا) (?:ا|أ)?(?:جري|راتب)",
        r"ما في (?:راتب|معاش)|بلا (?:مصاري|راتب|اجر)|لا يعيد لي",
        r"دين\b.{0,30}(?:اشتغل|سدد|لسد|ادفع)|(?:سد|لسد) (?:ديني|الدين)|لازم ادفع دين",
        r"(?:ما بيخليني|ما بيخلوني|ما مسموحلنا|ممنوع) (?:ا|ن)?طلع|بيسكروا علينا|منام بالمعمل",
        r"1[0-9] ساعه باليوم|[0-9] يورو بالساعه|بيشغلوني 1[0-9]",
        r"استغلال|بوعود كذب|(?:يتصلوا|بيتصلوا) بالهجره|نص راتبي|مجبور اشتغل",
        r"ما (?:دفعولي|دفعلي|قبضت)|[0-9] ايام 1[0-9] ساعه|لا يدفع لي|ما فيني اترك",
        r"\b(?:a5ad|akhad|a5ado|ma3o|mesek) (?:jawazi|jawaz|bassbori|awra2i)\b|\bjawazi\b",
        r"\bma (?:3am )?(?:yedfa3li|yedfa3oli|2abadet|qbadt|2bad(?:e)?t)\b",
        # ti
        r"(?:ፓስፖርተይ|ወረቐተይ|መንነት ካርደይ|ካርድ ባንከይ|ደሞዘይ) (?:ሒዙዎ|ሒዙ|ወሲዱዎ|ሒዞም|ሒዞሞ|ኣይመልሰለይን|ወሲዶም)",
        r"(?:ደሞዝ|ደሞዘይ)\b.{0,15}(?:ኣይከፈለንን|ኣይተኸፈለንን|ኣይከፍሉንን|ኣይረኸብኩን|የለን|ኣይሃቡንን)|ብዘይ ክፍሊት (?:እሰርሕ|ይሰርሑኒ)|ስራሕ.{0,15}ኣይከፈለንን",
        r"ዕዳ\b.{0,30}(?:ክሰርሕ|ክኸፍል|ክትሰርሕ)",
        r"ክወጽእ ኣይፈቕደለይን|ክንወጽእ ኣይፍቀደልናን|ይዓጽዉና",
        r"መዓልቲ 1[0-9] ሰዓት|1[0-9] ሰዓት የስርሑኒ|ኣብ ሰዓት [0-9] ዩሮ",
        r"ክሰርሕ ይግደድ|ብሓሶት ተስፋ|ንኢሚግሬሽን ክድውሉ|ፍርቂ ደሞዘይ",
        r"ኣይከፈሉንን|ኣይከፍለንን|ክገድፍ ኣይትኽእልን|[0-9] መዓልቲ 1[0-9] ሰዓት",
        r"\bpassport ?(?:ey|y)? ?(?:hizuwo|hizu|wesidu|wesiduwo)\b|\bdemoz(?:ey)? ay(?:kefelunin|kefelenin|habunin)\b",
    ],
    "harassment": [
        r"\bongewenst(?:e)? (?:aanraking|aanrakingen|intimiteit|intimiteiten|gedrag|seksueel)|\bscheldt (?:me|mij) uit\b|\buitgescholden\b|\b(?:grapjes|grappen|opmerkingen) over mijn (?:huidskleur|kleur|hoofddoek|geloof|afkomst|lichaam)\b|\b(?:vanwege|om|door) mijn (?:afkomst|huidskleur|kleur|religie)\b",
        r"\b(?:minder|anders) (?:betaald|behandeld) dan (?:de )?(?:nederlanders|nederlandse|witte|andere) (?:collega|collega's|mensen)?|\b(?:paid less|treated (?:me )?differently) (?:than|because)\b",
        r"\bmake fun of my (?:accent|skin|religion|hijab|headscarf|colou?r|name)\b|\b(?:unwanted|inappropriate) (?:touching|touch|advances|comments|messages|photos|pictures)\b|\bbecause of my (?:origin|race|nationality|ethnicity|gender|skin colou?r)\b",
        r"(?:بي|ي)(?:تمسخروا|تمسخر|تريقوا) (?:علي|عليا)|بسبب (?:اصلي|جنسيتي|لوني|بشرتي|لون بشرتي)|(?:لاني|لأني) (?:سوري|سوريه|سودانيه|سوداني|اجنبي|اجنبيه|مسلم|مسلمه)\b|كلام (?:وسخ|بذيء|بذيئ)|(?:بيحتك|يحتك) (?:فيني|بي|فيا)",
        r"ብሰንኪ (?:ሕብረይ|ዓሌተይ|ሃገረይ|መበቆለይ|ቋንቋይ|ጾታይ)|ብሕብረይ (?:ይላገ|ይጸር|ይሰሓ)|(?:ይላገጹለይ|ይላገጸለይ|ይላገጹ ብኣይ)",
        # round 11: asked to take off the headscarf, monkey sounds, asked for sex, insults in dialects
        r"\bhoofddoek af(?:doe|doen|zet|zetten)\b|\bapengeluid|\b(?:om|for) (?:seks|sex)\b|\basks? (?:me )?for sex\b|መንዲል.{0,15}(?:ከተውጽ|ኣውጽ|ኣልግስ)",
        r"(?:بي|ي)شتموني|(?:بي|ي)عاكسني|بيمد ايده علي|\b(?:b?yeshtemouni|beyeshtemouni|b?ye?shtmouni|bey3akesni|by3akesni|ye3akesni)\b",
        # en
        r"\b(?:touch(?:es|ed|ing)?|grab(?:s|bed)?|kiss)\b.{0,20}\b(?:me|my (?:body|hair))\b",
        r"\bsexual(?:ly)?\b.{0,20}\b(?:harass|messages|pictures|photos|comments)|\bsexual harassment\b",
        r"\bhar+as+(?:ed|es|ing|ment)?\b",
        r"\bracis[mt]\b|\bdiscriminat|\bbull(?:ied|ying)\b",
        r"\bbecause (?:i am|i'm|im) (?:black|a refugee|muslim|a muslim|arab|african|a woman)\b|\bbecause of my (?:headscarf|hijab|religion|name|skin|colou?r|accent)\b",
        r"\bcall(?:s)? me (?:a )?(?:names|monkey|dirty)\b|\bgo back to your country\b|\bno foreigners\b",
        r"\b(?:take off|remove) my (?:hijab|headscarf)\b|\bcomments about my body\b",
        r"\bsex for (?:a )?(?:contract|job)\b|\blaugh at my accent\b.{0,30}\binsult",
        r"\bsexual (?:texts|messages|pictures|photos)\b|\bcall(?:s)? me (?:a )?terrorist\b|\btouched my (?:breast|body|butt|chest)\b|\bbecause i am (?:african|black|muslim|arab)\b",
        # nl
        r"\b(?:raakt|zit)\b.{0,15}\b(?:me|mij|mijn lichaam)\b.{0,10}\baan\b|\bzit\w* aan (?:me|mij|mijn lichaam)\b|\bbetastte\b|\bgreep (?:me|mij) vast\b|\bte zoenen\b",
        r"\bseksue(?:el|le)\b.{0,20}\b(?:intimidatie|berichten|foto|lastig)|\bintimidatie\b",
        r"\bvalt (?:me|mij) (?:seksueel )?lastig\b|racis|discrimin|\bgepest\b",
        r"\bomdat ik (?:zwart|vluchteling|moslim|moslima|arabier|buitenlander) ben\b|\bvanwege mijn (?:hoofddoek|geloof|naam|huidskleur|accent)\b|\bom mijn hoofddoek\b",
        r"\bschelden (?:me|mij) uit\b|\bnoemt (?:me|mij) (?:aap|vieze)|\bnoemen (?:me|mij) vieze\b|\bga terug naar je (?:eigen )?land\b|\bgeen buitenlanders\b",
        r"\bhoofddoek af(?:doen)?\b|\bopmerkingen over mijn lichaam\b|\bseks voor een contract\b|\bbeledigen (?:me|mij)\b",
        r"\bseksuele (?:berichtjes|berichten|foto)|\bnoem\w* (?:me|mij) terrorist\b|\baan mijn (?:borst|lichaam|billen) gezeten\b|\bintimideert (?:me|mij)\b|\bomdat ik (?:afrikaans|zwart|moslim) ben\b",
        # ar
        r"(?:عم )?(?:يلمسني|بيلمسني|بيلمس جسمي|يلمس جسمي|لمسني|بيبوسني|يبوسني|حاول يبوسني)(?!ن)",  # not in المسنين (the elderly)
        r"تحرش|يتحرش|بيتحرش|عنصري|عنصريه|تمييز|يميزوا ضدي|تنمر",
        r"(?:رسائل|صور|تعليقات) جنسيه|بيعلق على جسمي",
        r"(?:لاني|لأني|بسبب) (?:اسود|لاجئ|محجبه|الحجاب|ديني|اسمي|لهجتي|عربي)|بسبب (?:الحجاب|ديني|اسمي)",
        r"بيسبوني|بيهينوني|ارجع على بلدك|ارجع لبلدك|ما بدنا اجانب|لاجئ وسخ|اشلحي الحجاب|بيسموني قرد",
        r"علاقه مقابل",
        r"ارهابي|لمس (?:صدري|جسمي)|رسايل جنسيه|لاني افريقي",
        r"\b(?:ta7arosh|t7arosh|yet7arash|bet7arash|3onsori(?:ye|a|yeh)?|3ansari|tamyeez)\b",
        # ti
        r"(?:ይትንክፈኒ|ይትንክፍ|ተንኪፉኒ|ክስዕመኒ)",
        r"ጾታዊ (?:ምትንኻፍ|መልእኽቲ|ስእልታት|ርክብ ይሓተኒ)|ዓሌትነት|ዓሌታዊ|ኣድልዎ",
        r"(?:ጸሊም|ስደተኛ|ሙስሊም) ስለዝኾንኩ|ብሰንኪ (?:ሃይማኖተይ|ስመይ|መሸፈኒ)",
        r"ይጸርፉኒ|ናብ ሃገርካ ተመለስ|ወጻእተኛታት ኣይንደልን|ረሳሕ ስደተኛ|ህበይ ይብለኒ|ርእሰይ ቅልዕ|የሸግረኒ|ብዛዕባ ኣካላተይ|ይጸርፉ",
        r"\b(?:aleynet|aleyneti|alienet|adlwo|adlo)\b|\byitinkefeni\b",
        r"ሽብራዊ ይብሉኒ|ተንኪፉ|ጾታዊ",
    ],
    "minor": [
        # en
        rf"\b{_I_EN} (?:only |just |still )?(?:{_NUM_MINOR}|{_WORD_MINOR_EN})\b{_NOT_UNITS}",
        rf"\b(?:age|aged|my age is)[: ]*{_NUM_MINOR}\b",
        rf"\bturned {_NUM_MINOR}\b|^{_NUM_MINOR} ?(?:years?|yrs?|y/?o|y old)\b|\b{_NUM_MINOR} ?(?:yrs|y/o|y old|yo)\b",
        r"\ba 1[0-7][- ]?(?:year|yr)s?[- ]old\b|\bunder (?:18|eighteen|age)\b|\b(?:i am|i'm|im) (?:a )?minor\b|\bunaccompanied minor\b|\b(?:i am|i'm|im) a child\b",
        # nl
        rf"\bik (?:ben )?(?:pas |net |nog maar )?(?:{_NUM_MINOR}|{_WORD_MINOR_NL})\b{_NOT_UNITS}",
        rf"\b(?:mijn )?leeftijd(?: is)?[: ]*{_NUM_MINOR}\b|(?:^|, ){_NUM_MINOR} ?(?:jaar|jr)\b|\bvan {_NUM_MINOR} jaar\b|\b(?:meisje|jongen|kind) van {_NUM_MINOR}\b",
        r"\b(?:onder|jonger dan|nog geen) (?:de )?18\b|\bminderjarig|\bik ben een kind\b|\bik ben een amv\b|\b(?:net|pas) 1[0-7] geworden\b",
        # ar
        rf"عمري (?:بس |فقط |هلق )?(?:{_NUM_MINOR}|{_WORD_MINOR_AR})\b|عمري (?:اقل من|تحت) 18|صار عمري {_NUM_MINOR}\b",
        rf"ابلغ من العمر {_NUM_MINOR}\b|(?:انا )?قاصر|انا طفل|ما وصلت 18",
        rf"\b(?:3omri|3mri|3umri) (?:{_NUM_MINOR})\b",
        rf"(?:^|مرحبا |سلام )(?:{_NUM_MINOR}|{_WORD_MINOR_AR}) (?:سنه|سنين|عام)|(?:العمر|بعمر|بعمري) (?:{_NUM_MINOR}|{_WORD_MINOR_AR})\b|تحت (?:ال ?)?18|ابلغ من العمر (?:{_WORD_MINOR_AR})|\b(?:3omri|3mri|3umri|3andi) (?:sab3ta3sh|sitta3sh|set3ash|sab3at3ash|khamsta3sh|arba3ta3sh)\b|\b(?:walad|wlad|bent|ana) {_NUM_MINOR} (?:sene|sana|snin)\b",
        # ti
        rf"{_NUM_MINOR} ?(?:ዓመተይ|ዓመት እየ|ዓመት መሊአ)|(?:ዕድመይ|ኣነ) {_NUM_MINOR}\b|{_WORD_MINOR_TI} ዓመተይ|ዕድመይ {_WORD_MINOR_TI}",
        rf"ትሕቲ 18|18 ገና ኣይመላእኩን|ንኡስ እየ|ቆልዓ እየ|^{_NUM_MINOR} ዓመት(?: ካብ| ስደተኛ|$)|{_NUM_MINOR} ዓመት ስደተኛ|{_NUM_MINOR} ዓመት (?:ጓል|ወዲ) እየ",
        rf"\b{_NUM_MINOR} ?(?:ametey|ametei)\b|\bedmey {_NUM_MINOR}\b|\bane {_NUM_MINOR} amet\b",
        # round 10: the age without "I", in words, almost 18, school years, guardians, parents' consent
        rf"^(?:{_NUM_WORD_MINOR})(?: (?:jaar|years?|سنه|ዓመት))?(?: oud| old)?$|(?:^|, )(?:{_WORD_MINOR_NL}|{_WORD_MINOR_EN}) (?:jaar|years?)\b{_NOT_SINCE}",
        rf"(?<!is )(?<!was )(?<!zijn )\b{_NUM_MINOR} (?:jaar|jr|years?) (?:oud|old)\b{_NOT_SINCE}|\b(?:bijna|almost|nearly|only|pas|nog maar) (?:18|achttien|eighteen)\b",
        r"\b(?:when|until|till|after|before|once|if) i (?:turn|am|become|will be|get) (?:18|eighteen)\b|\bi(?:'ll| will) (?:be|turn) (?:18|eighteen)\b",
        r"\b(?:als|wanneer|tot|totdat|voordat|zodra) ik (?:18|achttien) (?:ben|word|jaar)\b|\bik word (?:volgend jaar |over [^ ]+ (?:jaar|maanden) |in [^ ]+ )?(?:18|achttien)\b",
        r"\b(?:too|to) young (?:to|for)\b|\bte jong (?:om|voor)\b|\bnot (?:old enough|18 yet|yet 18)\b|\bnog (?:geen|niet) (?:18|achttien|oud genoeg)\b",
        r"\b(?:my )?(?:mother|mom|mum|father|dad|parents?|guardian) (?:must|has to|have to|needs? to|should) sign\b|\bsign for me\b|\b(?:permission|consent|signature) (?:of|from) my (?:parents?|mother|mom|father|dad|guardian)\b",
        r"\b(?:mijn )?(?:moeder|vader|ouders|voogd|mentor) (?:moet|moeten) (?:tekenen|ondertekenen|toestemming)|\b(?:toestemming|handtekening) van (?:mijn|m'n) (?:ouders|moeder|vader|voogd)\b",
        r"\bnidos\b|\bvoog[dt]\b(?! (?:worden|zijn|word))|\bmy (?:legal )?guardian\b|\bamv(?:'?er)?\b|\bunaccompanied (?:minor|child|refugee child)\b|\balleenstaande minderjarige",
        r"\b(?:i(?:'m| am|m) (?:still )?(?:in|at|going to)|i (?:still )?(?:go to|attend)) (?:a |the )?(?:high|secondary) school\b|\b(?:high|secondary) school student\b|\b(?:in|at) (?:grade|year) (?:[6-9]|1[0-2])\b|\b(?:[6-9]|1[0-2])th grade\b|\b(?:1st|2nd|3rd|first|second|third) (?:class|year|grade) (?:of|in) (?:high|secondary) school\b",
        r"\b(?:vmbo|havo|vwo|mavo|brugklas|isk)[- ]?[1-6]\b|\b(?:vmbo|havo|vwo|mavo|isk)[- ](?:klas|leerjaar) ?[1-6]\b|\bik zit (?:nu |nog )?(?:op|in) (?:de |het )?(?:vmbo|havo|vwo|mavo|brugklas|isk|middelbare school|schakelklas|internationale schakelklas|klas [1-6]|groep [1-8])\b",
        r"\b(?:in|zit in) groep [5-8]\b|\bgroep [5-8] (?:van de )?basisschool\b|\bik (?:zit|ga) nog (?:op|naar) (?:school|de middelbare)\b|\bleerplicht",
        rf"\b(?:age|my age is|mijn leeftijd is|leeftijd) (?:{_WORD_MINOR_EN}|{_WORD_MINOR_NL})\b|^(?:ben|is) {_NUM_MINOR}(?: jaar| jr)?\b{_NOT_UNITS}|^{_NUM_MINOR}, |\bisk\b|\b(?:meisje|jongen) {_NUM_MINOR} jaar\b|\bik is {_NUM_MINOR}\b|\b{_NUM_MINOR}[- ]?jarige?\b|^(?:hi,? |hoi,? |hallo,? )?{_NUM_MINOR} (?:here|hier)\b",
        rf"\b{_NUM_MINOR} ?(?:y\.o\.?|yo)\b|\bme is {_NUM_MINOR}\b|\b(?:kid|child|girl|boy|student|kind|meisje|jongen|scholier) (?:of |van )?{_NUM_MINOR}\b{_NOT_UNITS}|\b(?:kid|child|student|scholier|still in school|nog op school),? {_NUM_MINOR}\b",
        r"\b(?:younger than|jonger dan|onder de|below) (?:18|eighteen|achttien)\b|\bunder ?age\b|\b(?:become|turn|word|worden) 1[0-8]\b|\b(?:in|zit in) (?:de )?(?:[1-4]e|eerste|tweede|derde|vierde|first|second|third|[1-4](?:st|nd|rd|th)) (?:klas|class)\b|\b[1-4] (?:vmbo|havo|vwo|mavo)\b|\b(?:[1-4]e|[1-4](?:st|nd|rd|th)|first|second|third|eerste|tweede|derde) (?:class|klas) (?:of |van )?(?:vmbo|havo|vwo|mavo)\b",
        # ar
        rf"(?:انا|سني|عمري) (?:بس |فقط |هلق |هسه |توي )?(?:{_NUM_MINOR}|{_WORD_MINOR_AR}) ?(?:سنه|سنين|سنوات|عام)\b|عندي (?:{_NUM_MINOR}|{_WORD_MINOR_AR}) ?(?:سنه|سنين|سنوات)\b(?! ?(?:خبره|بهولندا|هون|هنا))",
        r"(?:لما|بس|حتى|لحد ما|لين|قبل ما|بعد ما) (?:يصير عمري|اصير|صير|اكمل|كمل|ابلغ|يكون عمري) ?18|(?:تقريبا|قربت|رح|راح) (?:اصير|صير|يصير عمري) 18|لسا ما صار عمري 18|مش 18",
        r"(?:صغير|صغيره) (?:ع|على|عال|عن) (?:العقد|الشغل|التوقيع|التوقيع على)|(?:امي|ابوي|ابي|امي وابوي|اهلي|والدي|والدتي|الوصي) (?:لازم|بدو|بدها|بده|يجب ان|يلزم|رح) ?(?:ي|ت)?(?:وقع|يوقع|توقع|يمضي|تمضي|يمضو|يوقعو)|موافقه (?:اهلي|ابوي|امي|ولي امري|الوصي)|ولي امري|الوصي علي|وصيي",
        r"(?:بالصف|بصف|في الصف|صف) (?:السابع|الثامن|التامن|التاسع|العاشر|الحادي عشر|الثاني عشر|سابع|تامن|تاسع|عاشر|حادي عشر)|(?:اول|ثاني|تاني|ثالث|تالت) ثانوي|بالثانويه|في الثانويه|طالب ثانوي|طالبه ثانوي|(?:انا|عم ادرس|بدرس) (?:ب|في )?(?:ال)?(?:بكالوريا|توجيهي)|لسا بالمدرسه|قاصر غير مصحوب|نيدوس",
        rf"\b(?:sa2ef|saf|bel saf) (?:3asher|tase3|tamen|sabe3)\b|\bana (?:b|fi |bel |bl )?(?:tawjihi|bakaloria|thanawi|sanawi|tanawi)\b|\b(?:ana|3omri|3mri|sinni|3andi) (?:{_NUM_MINOR}|sitta3sh|sab3ata3sh|khamasta3sh|arba3ta3sh) ?(?:sene|sana|sneen|snin)?\b|\b(?:qaser|2aser|qasir)\b|\b(?:lamma|lama|bas) (?:sir|a?seer|kammel) 18\b",
        # ti
        r"ክሳብ 18 (?:ዓመት )?(?:ዝመልእ|ዝበጽሕ)|18 ምስ (?:መላእኩ|በጻሕኩ|ኣኸልኩ)|18 ዓመት ገና|ዕድመይ ንእሽቶ|ንእሽቶ እየ|ኣደይ ክትፍርመለይ|ወለደይ ክፍርሙ|ሞግዚተይ|ሞግዚት ኣለኒ|\bኒዶስ|\bፎግድ|\bቮግድ|\bኣሜቨ\b|\bሚንደርያሪ",
        r"(?:ክፍሊ|ደረጃ) (?:[6-9]|1[0-2])|[6-9]ይ ክፍሊ|1[0-2]ይ ክፍሊ|ካልኣይ ደረጃ ቤት ትምህርቲ|ቤት ትምህርቲ እየ ዝመሃር|ተምሃራይ (?:ካልኣይ ደረጃ|እየ ኣብ ክፍሊ)",
        r"\b(?:kfli|kifli|kefli) (?:[6-9]|1[0-2])\b|\b(?:ksab|kisab) 18\b|\bnishto eye\b|\bneshto eye\b|\bmogzitey\b",
        rf"^{_NUM_MINOR} (?:ዓመት )?(?:ጥራይ )?እየ|^(?:ሰላም )?{_NUM_MINOR} ዓመት (?:ስራሕ )?(?:እደሊ|ይደሊ|ደልየ|ኣሎ)|ሰላም {_NUM_MINOR} ዓመት|{_NUM_MINOR} ዓመት (?:ጥራይ )?እየ|(?:ወዲ|ጓል|ቆልዓ) {_NUM_MINOR}\b|{_NUM_MINOR} (?:ጥራይ|ገና) እየ|ገና {_NUM_MINOR} እየ|ገና 18|ካብ 18 (?:ዓመት )?ንታሕቲ|(?:^| )(?:ከም|ዕድመ|ዕድመይ) {_NUM_MINOR}\b(?! ዝተሓተ)|{_NUM_MINOR} (?:መሊአ|ክኸውን እየ)|{_WORD_MINOR_TI} ዓመት",
        r"(?:ሻምናይ|ሻሙናይ|ታሽዓይ|ዓስራይ|ቀዳማይ|ካልኣይ|ሳልሳይ|ራብዓይ) ክፍሊ|\bቨምቦ\b|\bሃቮ\b|ተምሃራይ እየ|ገና ተምሃራይ",
        rf"\b(?:qolua|qolea|wedi|gual|edme|edmey|hji|hiji) (?:eye )?{_NUM_MINOR}\b|\b{_NUM_MINOR} amet (?:eye|melie|jeray)\b|\bkab 18 (?:ntehit|ntahti)\b|\bgena 18\b|\badey k?t?fr?meley\b|\b18 mis (?:melaku|betsahku|akelku)\b",
        # round 11: L2 ways of giving an age ("I have 16 years", "ik heb 16 jaar", "انا ابن 16"), foster and
        # youth care, "not yet 18", more school words, Latin-script Tigrinya numbers
        rf"\bi (?:have|got|has) (?:only |just )?(?:{_NUM_MINOR}|{_WORD_MINOR_EN}) ?(?:years?|yrs?)\b(?! (?:of )?(?:experience|exp\b|work|in |here|ago|as\b))|\b(?:{_NUM_MINOR}|{_WORD_MINOR_EN}) years? of age\b",
        r"\b(?:my|i live (?:with|in) (?:a |my )?|i am in (?:a )?|im in (?:a )?) ?foster (?:family|home|mother|mom|mum|father|dad|parents?|care)\b|\bnot (?:yet )?eighteen\b|\b(?:i am|i'm|im) in class (?:[6-9]|1[0-2])\b",
        rf"\bik heb (?:pas |nog maar |maar )?(?:{_NUM_MINOR}|{_WORD_MINOR_NL}) (?:jaar|jr)\b(?! (?:ervaring|gewerkt|gestudeerd|gewoond|lang|geleden|in |hier|op |bij |als |werk))",
        r"\b(?:ik woon|woon ik|ik zit|ik ben|ik leef) (?:nu |nog |al )?(?:in|bij) (?:een |mijn |het |de )?(?:pleeggezin|pleegouders|gezinshuis|gastgezin|kleinschalige woonvoorziening|jongerenopvang)\b|\bmijn (?:pleeg(?:moeder|vader|ouders|gezin|mama|papa)|jeugdzorg|jeugdbescherming|gezinsvoogd)\b",
        r"\bik (?:zit|ga) (?:nu |nog )?(?:op|naar) (?:de |het )?(?:middelbare|brugklas|vmbo|havo|vwo|mavo)\b",
        rf"انا (?:ابن|بنت) (?:ال ?)?(?:{_NUM_MINOR}|{_WORD_MINOR_AR})\b|(?:بعمر|بعمري|عمري|سني) ال ?(?:{_NUM_MINOR}|{_WORD_MINOR_AR})\b|ابلغ (?:{_NUM_MINOR}|{_WORD_MINOR_AR}) ?(?:عاما|عام|سنه)",
        r"(?:^| )(?:ما|لم|لسا ما|لسه ما|لسه لم|مش) (?:بلغت|كملت|اكملت|وصلت) (?:ال ?)?(?:18|ثمانيه عشر|تمنتاشر|سن الرشد)|(?:دون|تحت) (?:سن )?(?:ال ?)?(?:18|الثامنه عشر|ثمانيه عشر|سن الرشد)",
        r"(?:عيله|عائله|عايله|اسره) (?:حاضنه|بديله)|فوخد|فوغد|(?:طالب|طالبه|انا) (?:في |ب|بال)?(?:ال)?(?:مدرسه )?(?:ال)?(?:اعداديه|اعدادي|متوسطه)\b|(?:لسا|لسه|لساتني) (?:في|ب|بال) ?(?:ال)?(?:ثانوي|ثانويه|مدرسه|اعدادي)",
        rf"\bana (?:ibn|ebn|ibin|bint|bent) {_NUM_MINOR}\b",
        r"18 (?:ገና )?(?:ኣይበጻሕኩን|ኣይመላእኩን|ኣይኣኸልኩን)|ቅድሚ 18 (?:ምብጻሐይ|ምምላአይ)|(?:ሻውዓይ|ሳብዓይ|ሻብዓይ|ሻድሻይ) ክፍሊ|\bኢስካ\b",
        rf"\b{_WORD_MINOR_TI_LATIN}\b|\b(?:ane|edmey|edme) {_NUM_MINOR} (?:eye|eyu|amet)\b",
        rf"(?:عمري|سني|انا|ابلغ|بعمر|بعمري|انا في|في) (?:ال)?{_WORD_MINOR_AR_MORE}|(?:^| )ب(?:ال)?{_WORD_MINOR_AR_MORE}|(?:^|انا )(?:شاب|شب|بنت|ولد|صبي|فتاه|فتى) (?:عمري )?(?:{_NUM_MINOR}|{_WORD_MINOR_AR}|{_WORD_MINOR_AR_MORE}) ?(?:سنه|سنين|عام|عاما)",
        rf"\b(?:ana|3omri|3mri|3umri|sinni|3andi|3ndi|3mre) (?:{_NUM_MINOR} )?{_WORD_MINOR_ARABIZI}\b|\bana {_NUM_MINOR} (?:3am|sneen|snin|sana|sene)\b",
        rf"(?:ኣነ|ወዲ|ጓል|ቆልዓ) {_WORD_MINOR_TI}|{_WORD_MINOR_TI} (?:እየ|ጥራይ)|\bane (?:gena |jeray )?{_NUM_MINOR}\b(?! ?(?:saat|se'?at|sa'?at|euro|ሰዓት))|^(?:selam )?{_NUM_MINOR} amet\b|\b{_WORD_MINOR_NL}[- ]?jarige?\b",
        # "still a child", "ben pas 15" without "ik", "am 15" without "I", still at school, a pupil
        r"\bik ben (?:nog |pas |maar |nog maar )*(?:een )?kind\b(?! van (?:mijn|zijn|haar|onze|de) tijd)|\b(?:i am|i'm|im) (?:still |only |just )*(?:a )?(?:child|kid)\b|\b(?:i am|i'm|im|ik zit|ik ben) (?:still|nog) (?:in|at|op) school\b|(?<!can )(?<!could )(?<!may )\bi still (?:go to|attend) school\b",
        rf"(?:^|, |\. )(?:ben|am) (?:pas |net |nog maar |only |just )?(?:{_NUM_MINOR}|{_WORD_MINOR_NL}|{_WORD_MINOR_EN})\b{_NOT_UNITS}",
        r"(?:انا|لسا|لسه) (?:ولد|بنت|طفل|طفله) صغير|(?:عمري صغير|صغير بالعمر|صغيره بالعمر|صغير بالسن|صغير في السن|صغيره في السن)|(?:لسا|لسه|لساتني) (?:بدرس|عم ادرس|طالب|طالبه|تلميذ|تلميذه)|انا (?:تلميذ|تلميذه)\b",
        rf"^(?:مرحبا |سلام |هاي |السلام عليكم )?انا (?:{_NUM_MINOR}|{_WORD_MINOR_AR})\b(?! ?(?:ساعه|ساعات|يورو|سنه (?:خبره|بهولندا|هون)))",
        rf"(?:{_NUM_MINOR}|{_WORD_MINOR_TI}) ዓመት (?:ኣሎኒ|ኣለኒ)(?! ተመክሮ)|ዓመተይ (?:{_NUM_MINOR}|{_WORD_MINOR_TI})|ንኡስ ዕድመ|ገና ቆልዓ|ቤት ትምህርቲ (?:እኸይድ|ይኸይድ እየ)|\bametey {_NUM_MINOR}\b",
    ],
}

# "I was born in 2010": the age is worked out against today's year in minor_by_birth_year(); each
# alternative captures the year once. Several hours to a year off is no matter: recall first.
BIRTH_YEAR = [
    r"\b(?:i was|i'm|im|i am|iam|me|was) born\b.{0,20}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])",
    r"^born (?:in |on )?.{0,12}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])|\bmy (?:birth ?year|year of birth|date of birth|dob|birthday)\b.{0,20}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])",
    r"\bik ben\b.{0,20}?\bgeboren\b.{0,20}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])|\bik ben (?:in |op )?.{0,15}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9]) geboren\b",
    r"^geboren (?:in |op )?.{0,12}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])|\b(?:mijn )?(?:geboortejaar|geboortedatum)\b.{0,15}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])",
    r"مواليد (?:عام |سنه )?(?:[0-9]{1,2}[-/. ][0-9]{1,2}[-/. ])?((?:19|20)[0-9]{2})(?![0-9])|(?:ولدت|انولدت|تولدت|اتولدت|خلقت|انخلقت) (?:في |سنه |عام |ب)?.{0,12}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])|تاريخ ميلادي.{0,15}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])",
    r"\b(?:mawalid|mawaleed|mwalid|mwaleed|wlidt|wledt|itwaladt|twaladt|inwaladt)\b.{0,10}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])",
    r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9]) ?(?:ዓ\.? ?ም\.? ?)?(?:እየ )?(?:ተወሊደ|ዝተወለድኩ|ተወለድኩ)|(?:ዝተወለድኩሉ|ዝተወለድኩዎ) ዓመት ?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])|(?:ተወሊደ|ተወለድኩ) (?:ብ|ኣብ )? ?(?:[0-9]{1,2}[-/. ][0-9]{1,2}[-/. ])?((?:19|20)[0-9]{2})(?![0-9])",
    r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9]) (?:(?:a|e)\.? ?(?:m|c)\.? )?(?:eye )?(?:tewelide|teweledku|tewelidé)\b|\b(?:tewelide|teweledku) (?:b|ab )?((?:19|20)[0-9]{2})(?![0-9])",
    # round 11: "ik ben van 2010", "geb. 2011", "een 2009'er", "ልደተይ 2010"
    r"\bik ben (?:van|uit) (?:het jaar |bouwjaar )?((?:19|20)[0-9]{2})(?![0-9])(?! (?:in|naar|hier|gekomen|gevlucht|op|bij|met))|\bgeb(?:\.|oren)? ?(?:[0-9]{1,2}[-/. ][0-9]{1,2}[-/. ])?((?:19|20)[0-9]{2})(?![0-9])|\b(?:dob|d\.o\.b\.?|date of birth|geboortedatum|born)[: ]+(?:[0-9]{1,2}[-/. ][0-9]{1,2}[-/. ])?((?:19|20)[0-9]{2})(?![0-9])|(?<![0-9])((?:19|20)[0-9]{2})(?:'?er| jongen| meisje| girl| boy)\b",
    r"(?:ልደተይ|ዕለተ ልደተይ|ዝተወለድኩሉ ዓመት|ዓመተ ልደተይ) (?:ኣብ |ብ)?.{0,10}?(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])",
]

# A birth year in the Ethiopian calendar ("ብ2002 ዓ.ም", "2002 a.m"), 7-8 years behind the Gregorian one:
# judged 8 years later (recall first). Matched right after the year.
ETHIOPIAN_ERA = r"^ ?(?:ዓ\.? ?ም|ዓመተ ምሕረት|a\.? ?m\b|e\.? ?c\b)"
ETHIOPIAN_OFFSET = 8

# A category's match is ignored in a sentence that also matches one of these (figures of speech, the past).
EXCEPTIONS: dict[str, list[str]] = {
    "suicide": [
        r"من (?:الجوع|الضحك|البرد)|ብጥሜት|ብሰሓቕ|\b(?:van de honger|of hunger|laughing)\b",
        # disappearing from social media is not from the world
        r"ሶሻል|\bsocial media\b|\bsociale media\b|السوشال|السوشيال|مواقع التواصل",
    ],
    "minor": [
        r"كان عمري|لما كنت|\b(?:toen ik|when i was)\b|ክኸውን ከለኹ",
        r"\b(?:my|mijn|m'n|our|onze|his|her|zijn|haar) (?:son|daughter|child|children|kids?|boy|girl|brother|sister|zoon|dochter|kind|kinderen|broer|broertje|zus|zusje|jongen|meisje)\b",
        r"ابني|بنتي|ابنتي|ولادي|اولادي|ولدي|طفلي|اطفالي|اخوي|اختي|اخي الصغير|\b(?:ibni|binti|wladi|awladi)\b",
        r"ወደይ|ጓለይ|ደቀይ|ቆልዓይ|ሓወይ|ሓፍተይ|ሓብተይ|\b(?:wedey|gualey|deqey|qolaey)\b",
    ],
}


# Round 12: spans removed from a sentence before a category's patterns meet it, so that the rest of the
# sentence still counts ("after the harassment training he touched me again" is still harassment, "I am
# 17 and my colleague is 30" still a minor). A course about emergencies or harassment, an idiom, the age
# of a colleague, a relative or "the new girl" (issue 19: the writer's own age makes a minor).
_SUBJECT_OTHER = r"\b(?:my|mijn|m'n|our|onze|the|de|het|a|een) (?:new |nieuwe |young |jonge )?(?:colleague|co-?worker|nephew|niece|cousin|neighbou?r'?s?|collega|neef|nicht|buurjongen|buurmeisje|buurvrouw|buurman|stagiair|intern)\b|\b(?:the|de|het|a|een) (?:new|nieuwe) (?:girl|boy|guy|meisje|jongen)\b"
_AGE_EN_NL = rf"(?:only |just |still |pas |nog maar |maar )?(?:{_NUM_MINOR}|{_WORD_MINOR_EN}|{_WORD_MINOR_NL})\b"
MASKS: dict[str, list[str]] = {
    # Round 14: breaks and travel costs are lawfully unpaid in the Netherlands; asking about them is not
    # a disclosure ("the rest of the sentence still counts": "break is not paid and they keep my passport").
    "exploitation": [
        r"\b(?:(?:the|my|our|a) )?(?:lunch ?)?(?:breaks?|pauses?|travel (?:costs?|expenses)|commut(?:e|ing)(?: costs?)?)"
        r" (?:(?:is|are|was|were|gets?) )?(?:not|never) (?:being )?paid\b|\bunpaid (?:lunch ?)?breaks?\b",
        # "without paid work" is being unemployed; "even if unpaid" is willingness to volunteer
        r"\bzonder betaald werk\b|(?:حتى لو|ولو|حتى) (?:بلا|بدون) (?:راتب|اجر|مصاري)",
        # A placement the municipality or UWV arranges (werkervaringsplaats) is unpaid work on a benefit; "my boss
        # at the municipality job makes me work without pay" still counts.
        r"\b(?:municipality|gemeente|uwv) (?:wants|says|asks|requires|told|tells|sends) (?:me )?.{0,30}\bwithout"
        r" (?:pay|salary|wages?)\b|\b(?:work experience (?:place|placement|job)|werkervaringsplaats|participatiebaan"
        r"|proefplaatsing)\b.{0,40}\bwithout (?:pay|salary|wages?)\b",
    ],
    "danger": [
        rf"(?:{_COURSE}) (?:[^ ]+ ){{0,3}}?(?:{_EMERGENCY_TOPIC})|(?:{_EMERGENCY_TOPIC}) ?(?:[^ ]+ ){{0,2}}?(?:{_COURSE})",
        r"(?:الانتظار|الحر|الملل|الشغل|الدوام|التعب|الروتين|الغربه|الوجع|الضغط|الدراسه|الزهق|الاوراق) (?:[^ ]+ ){0,4}?(?:عم )?(?:يقتلني|بيقتلني|قاتلني)",
        # Tigrinya exaggerations: "the heat / work / waiting is killing me (us)".
        r"(?:^| )(?:ዋዒ|ሃሩር|ስራሕ|ምጽባይ|ድኻም|ጸቕጢ) (?:[^ ]+ ){0,3}?(?:ክቐትለና|ክቐትለኒ|ቀቲሉኒ|ቀቲሉና|ይቐትለኒ|ይቐትለና)",
    ],
    "harassment": [
        rf"(?:{_COURSE}|{_PREVENTION}) (?:[^ ]+ ){{0,3}}?(?:{_HARASSMENT_TOPIC})(?: ?(?:,|and|or|en|of|و|ን|ከምኡ) ?(?:{_HARASSMENT_TOPIC}))*|(?:{_HARASSMENT_TOPIC}) ?(?:[^ ]+ ){{0,2}}?(?:{_COURSE}|{_PREVENTION})",
    ],
    "suicide": [
        r"\b(?:ik )?wil (?:ik )?dood ?graag\b|\bdoodgraag\b|\b(?:lach|lachte|verveel|verveelde) me dood\b",
        # "dying of tiredness (heat, boredom, laughing)": an exaggeration, not a wish to die.
        r"(?:(?:رح|راح|ح|عم) )?(?:ب)?[اي]?موت (?:من|م) (?:التعب|الحر|البرد|الملل|الضحك|الزهق|النعس|الضجر)",
        r"(?:^| )ብ(?:ድኻም|ሰሓቕ|ዋዒ|ቑሪ|ምጽባይ) (?:ክመውት|ክሞውት|ሞይተ)(?: |$)|\bb(?:dkam|dikam|seHaq|sehaq) (?:kmewt|kmowt|moyte)\b",
        # A job, course or volunteer post at a suicide-prevention line is not a disclosure.
        r"\b(?:suicide|zelfmoord) ?(?:prevention|preventie)\b|(?:(?:ال|لل|ل)وقايه|(?:ال|لل|ل)وقاية|منع|لمنع) (?:من )?الانتحار|ምክልኻል ርእሰ ?ቅትለት",
    ],
    "minor": [
        rf"(?:{_SUBJECT_OTHER})(?: (?:[^ ]+ ){{0,3}}?(?:is|was|are|zijn|wordt|turns|turned|werd) {_AGE_EN_NL}(?: (?:jaar|years?)(?: oud| old)?)?)?",
        rf"\b(?:he|she|they|hij|zij|ze)(?: is|'s| are|'re| zijn| wordt| turns) {_AGE_EN_NL}(?: (?:jaar|years?)(?: oud| old)?)?|\b(?:children|kids|kinderen) (?:aged|of|van|are|zijn) [0-9, en&and]+",
        rf"(?:زميلي|زميلتي|جاري|جارتي|جيراني|ابن (?:اخوي|اخي|اختي|عمي|خالي)|بنت (?:اخوي|اخي|اختي|عمي|خالي)|(?:البنت|الشب|الولد|الموظف|الموظفه) الجديد(?:ه)?)(?: [^ ]+){{0,4}}?(?: عمر(?:ه|ها|هم) (?:بس )?[0-9و ]+)?|عمر(?:ه|ها|هم) (?:بس |فقط )?(?:[0-9]+|{_WORD_MINOR_AR})(?: ?(?:و|,) ?[0-9]+)*(?: ?(?:سنه|سنين|سنوات))?|(?:عندي|عنا|عندنا|عندها|عنده) (?:[^ ]+ )?(?:ولاد|اطفال) [0-9و ]+(?:سنه|سنين)?",
        r"(?:መሳርሕተይ|መሳርሕትና|ጎረቤተይ|ደቂ [^ ]+|(?:^| )(?:እታ|እቲ) [^ ]+|(?:ወዲ|ጓል) (?:ሓወይ|ሓፍተይ|ሓብተይ|ኣኮይ)|እታ ሓዳስ [^ ]+|እቲ ሓድሽ [^ ]+)(?: [^ ]+){0,4}? 1[0-7] ዓመ[^ ]*(?: (?:ጥራይ )?(?:እዩ|እያ|እዮም))?|\b(?:mesarhitey|mesarhtey|gorebetey)\b(?: [^ ]+){0,2}? 1[0-7] (?:ametu|ameta|ametom)\b",
    ],
}


def minor_by_birth_year(
    sentence: str, pattern: re.Pattern[str], today: date, era: re.Pattern[str] | None = None
) -> bool:
    """Whether a birth year stated in `sentence` makes the writer possibly under 18 today (aged 5-17,
    or 18 if the birthday is still to come this year). A year followed by `era` (the Ethiopian calendar's
    mark) is moved ETHIOPIAN_OFFSET years on first."""
    for match in pattern.finditer(sentence):
        index = next(i for i, group in enumerate(match.groups(), 1) if group)
        year = int(match.group(index))
        if era is not None and era.search(sentence[match.end(index) :]):
            year += ETHIOPIAN_OFFSET
        if 5 <= today.year - year <= 18:
            return True
    return False


# When several categories match, this order decides. Violence at home before a generic threat: its
# answer gives 112 too, and Veilig Thuis besides; a threat of any kind before everything else.
PRIORITY = ("domestic_violence", "danger", "suicide", "exploitation", "harassment", "minor")
