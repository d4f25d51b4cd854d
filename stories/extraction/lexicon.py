"""Word lists the quote finder reads speakers with: reporting verbs, titles, speaker nouns.

One lexicon serves both word orders ("Doe said, “…”" and "“…,” said Doe"): verbs are listed
once as lemmas and every inflection is generated, so adding "gush" also teaches "gushed",
"gushes" and "gushing".
"""
from __future__ import annotations

# Verbs that introduce or close a quote in news prose.  Cognition verbs (think, believe) are left
# out on purpose: they report a view, rarely quoted words.
_REPORTING_LEMMAS = """
say tell add note warn argue stress insist explain claim declare announce remark comment observe
write ask reply respond acknowledge admit concede conclude suggest predict caution emphasize emphasise
describe call report confirm tweet post vow pledge promise recall quip joke urge continue gush implore
interject advise accuse assure reassure exclaim confess shout yell scream whisper mutter sigh complain
lament boast brag contend counter retort snap state allege assert maintain demand plead testify recount
reiterate repeat agree disagree mock cite proclaim muse marvel wonder tout hail praise blast slam
criticize criticise decry dismiss deny reveal mention opine threaten beg question challenge answer echo
rebut elaborate clarify underscore highlight summarize thank congratulate email text recommend propose
swear guarantee speculate estimate interrupt chime recite quote characterize characterise complain
grumble apologize apologise disclose dispute reject object protest concur laugh chuckle groan cheer
applaud rave taunt tease scold chide fume vent bemoan blurt crow deride instruct needle reassure
reflect reminisce remind exhort stammer wail whine concur caution narrate explain posit reason surmise rage thunder rail rant read point speak chant grouse refer portray ridicule lecture scoff sneer jeer
bark growl snarl bellow holler intone demur pontificate react remember beam retaliate cry
""".split()
_IRREGULAR_PAST = {"say": "said", "tell": "told", "write": "wrote", "swear": "swore", "read": "read", "speak": "spoke"}
# One-syllable stems ending consonant-vowel-consonant double it: "quipped", "admitted".
_DOUBLING = frozenset("admit quip snap rebut beg brag chat jab slam nag stop plan refer".split())


def _inflections(lemma: str) -> tuple[set[str], set[str]]:
    """(finite forms: '-s' and past; other forms: base, '-ing'), by regular English spelling rules."""
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        third = lemma + "es"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        third = lemma[:-1] + "ies"
    else:
        third = lemma + "s"
    stem = lemma + lemma[-1] if lemma in _DOUBLING else lemma
    if lemma.endswith("ee"):
        past, ing = lemma + "d", lemma + "ing"
    elif lemma.endswith("e"):
        past, ing = lemma + "d", lemma[:-1] + "ing"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        past, ing = lemma[:-1] + "ied", lemma + "ing"
    else:
        past, ing = stem + "ed", stem + "ing"
    finite = {third, _IRREGULAR_PAST.get(lemma, past)}
    return finite, {lemma, ing}


# The inverted order ("…,” said Doe) takes finite forms only: "“…” saying" or "“…” call" never attributes,
# and a few forms are too often nouns right after a quote ("“X” posts", "“X” calls").
FINITE_REPORTING_VERBS = frozenset(
    form for lemma in _REPORTING_LEMMAS for form in _inflections(lemma)[0]
) - {"calls", "called", "posts", "posted", "texts", "emails", "tweets"} | {"pressed", "presses"}
# Lemmas whose base form is far more often a noun ("Clinton's Colorado state director", "the report"):
# only their inflected forms are cues.
_NOUN_LIKE = frozenset(
    "state report comment note answer quote text email tweet post reply claim call joke question challenge "
    "echo cheer protest object estimate point read lecture rant blast slam tease".split()
)
# "put it" is a cue only with its object: "as Doe put it, …"; plain "put" is not.
REPORTING_VERBS = frozenset(
    {*(form for lemma in _REPORTING_LEMMAS for forms in _inflections(lemma) for form in forms), "put it", "puts it",
     "pressed", "presses"}
) - _NOUN_LIKE


TITLES = frozenset(
    "president vice secretary minister premier chairman chairwoman chair chairperson representative "
    "senator sen rep governor gov mayor ambassador director chief ceo cfo coo spokesperson spokesman "
    "spokeswoman commissioner chancellor general gen admiral judge justice dr prof professor king queen "
    "prince pope leader speaker economist analyst strategist officer adviser advisor envoy negotiator "
    "deputy former acting head founder lawmaker congressman congresswoman councillor attorney "
    "prosecutor governor-elect president-elect sir dame lord lady mr mrs ms miss mx candidate nominee "
    "sheriff detective lt col capt sgt rev reverend pastor bishop cardinal rabbi imam coach chairman "
    "manager editor columnist anchor host correspondent reporter pollster".split()
)
HONORIFICS = frozenset("mr mrs ms miss mx sir dame".split())
MALE_HONORIFICS = frozenset("mr sir lord king prince".split())
FEMALE_HONORIFICS = frozenset("mrs ms miss dame lady queen princess".split())
# People and bodies that speak, as the head of a description: "a senior official", "the newspaper".
SPEAKER_NOUNS = frozenset(
    "official economist analyst expert board panel column columns spokesperson spokesman spokeswoman source diplomat negotiator "
    "lawmaker minister secretary president leader executive observer strategist trader investor "
    "researcher adviser advisor aide representative envoy ambassador critic people person resident "
    "worker ceo chairman director manager commentator insider authorities government ministry "
    "administration agency media statement report embassy officer banker newspaper paper magazine "
    "outlet network campaign team group committee study poll survey memo letter ad advertisement article "
    "editorial website site blog post tweet email release document filing lawsuit complaint indictment "
    "ruling judge court jury police prosecutor attorney lawyer candidate nominee voter supporter "
    "protester activist opponent rival senator congressman congresswoman governor mayor staffer "
    "organizer strategist pollster consultant operative donor member woman man friend neighbor father "
    "mother son daughter wife husband sister brother owner founder ally allies democrats republicans "
    "conservatives liberals party agency department office bureau commission council union association "
    "foundation institute center organization company firm bank statement speech transcript note "
    "message caption headline sign story account editor columnist writer author reporter anchor host "
    "guest caller viewer reader student teacher professor doctor veteran soldier officer agent "
    "director chief head boss employee staff crowd audience fan fans tabloid commenter user netizen "
    "neurosurgeon surgeon billionaire businessman businesswoman mogul tycoon celebrity star host "
    "book memoir piece clip video brief platform bylaws law rules charter resolution card flyer mailer "
    "leaflet pamphlet poster boy girl child children kid teen teenager attendee delegate participant actor "
    "actress non-profit nonprofit charity publication community playbook readout suit petition photo "
    "passage".split()
)
# Description heads that are groups ("they") or things ("it") rather than one person ("he"/"she").
THING_NOUNS = frozenset(
    "newspaper paper magazine outlet network campaign team group committee board panel column study poll survey memo letter "
    "ad advertisement article editorial website site blog post tweet email release document filing "
    "lawsuit complaint indictment ruling court jury police administration agency government ministry "
    "media statement report embassy party department office bureau commission council union association "
    "foundation institute center organization company firm bank speech transcript note message caption "
    "headline sign story account staff crowd audience book memoir piece clip video brief platform bylaws law "
    "rules charter resolution card flyer mailer leaflet pamphlet poster non-profit nonprofit charity "
    "publication playbook readout suit petition photo passage".split()
)
# Words that, capitalised inside a name, make it an organisation: "The Washington Post", "Clinton Foundation".
ORGANISATION_WORDS = frozenset(
    "post times news journal tribune herald gazette press daily weekly magazine network party committee "
    "campaign foundation institute center centre university college department agency bureau office "
    "council association union corporation corp inc co company group administration court congress "
    "senate house commission fund bank board club league service services network cnn nbc abc cbs fox "
    "msnbc npr pbs politico reuters ap afp breitbart huffpost huffington bloomberg axios twitter "
    "facebook reddit google".split()
)
# A handful of first names common in US political news, for pronoun agreement only; a name missing
# here is simply of unknown gender and agrees with both "he" and "she".
MALE_NAMES = frozenset(
    "donald mike michael john james robert david william bill richard joe joseph thomas charles chris "
    "christopher daniel paul mark george steven steve kevin brian jeff jeffrey ted marco ben bernie barack "
    "jeb rand rick scott tim timothy ryan paul chuck mitch newt rudy reince corey jason eric jared mitt "
    "al harry jim jimmy lindsey tom tony andrew peter frank gary larry sean stephen matt matthew jon "
    "jonathan adam alex brad greg gregory ron ronald roger dick marc martin lester anthony ken kenneth "
    "nick bob robby karl kurt dan patrick pat sam samuel ed edward walter henry carl jack dennis "
    "aaron adrian alan albert alexander allen andy antonio arthur austin barry benjamin bernard billy "
    "bobby brandon brent brett bruce bryan bud byron calvin cameron carlos chad charlie clarence "
    "clark claude clay clint cody cole colin craig curtis damon danny darrell darren dave dean derek "
    "devin don donnie doug douglas duane duncan dwight earl eddie edgar eli elijah elliott emmanuel "
    "enrique ernest ethan eugene evan felix fernando floyd francis francisco franklin fred freddie "
    "gabriel gene gerald gilbert glenn gordon grant guy hank harold harvey hector herbert herman "
    "howard hugh ian isaac ivan jacob jake javier jay jeffery jeremy jerome jerry jesse jesus joel "
    "johnny jorge jose juan julian justin keith kent kirk kyle lance lawrence leon leonard leroy "
    "lloyd logan lonnie louis lucas luis luke malcolm manuel marcus mario marshall marvin mason "
    "maurice max melvin micheal miguel mitchell morris nathan nathaniel neil nelson nicholas noah "
    "norman oliver omar orrin oscar owen pablo pedro perry phil philip phillip preston rahm ralph "
    "ramon randall randy ray raymond reggie reid ricardo ricky robbie rod rodney rodolfo roland ross "
    "roy ruben russell salvador seth shane shawn spencer stanley stuart theodore todd tommy travis "
    "trent trey troy tucker tyler vernon victor vincent wade wallace warren wayne wesley willie "
    "wilson zachary".split()
)
FEMALE_NAMES = frozenset(
    "hillary melania ivanka kellyanne huma carly sarah sara nancy elizabeth liz michelle chelsea "
    "jennifer jessica mary patricia linda barbara susan karen lisa betty margaret sandra ashley kimberly "
    "emily donna carol amanda melissa deborah stephanie rebecca laura helen anna ann anne kathleen "
    "katie kate megyn hope debbie jill nikki condoleezza madeleine dana maria julie judy janet "
    "diane christine kelly amy angela rachel heather nicole teresa cheryl joan gloria alicia "
    "katrina kristen samantha tammy tara ruth marsha kathy loretta valerie claire kirsten "
    "abigail adriana alexandra alice allison alyssa amber andrea angelina anita annette april audrey "
    "beatrice becky belinda bernadette beth bethany betsy beverly bonnie brenda brianna bridget "
    "brittany brooke caitlin camille carla carmen caroline carolyn cassandra catherine cathy cecilia "
    "charlene charlotte cindy claudia colleen connie constance crystal cynthia daisy darlene dawn "
    "debra delores denise diana dianne dolores doris dorothy edith eileen elaine eleanor elena elise "
    "ella ellen elsa emma erica erin esther eva evelyn faith felicia florence frances gabrielle gail "
    "geraldine gina ginger grace gwen hannah harriet hazel heidi holly irene iris isabel ivana jackie "
    "jacqueline jane janice jeanne jenna jenny joanna joanne jocelyn josephine joy joyce juanita "
    "judith julia juliet june kaitlyn kara katherine kathryn kay kayla keisha kristin kristina lana "
    "laurie leah lillian lily lindsay lois lori lorraine louise lucia lucy lydia mandy marcia "
    "margarita marian marianne marie marilyn marion marjorie marla marlene martha meredith mia "
    "michele mildred miranda molly monica nadia naomi natalie natasha nina nora norma olivia paige "
    "pam pamela paula pauline peggy penny phyllis priscilla rachael ramona regina renee rita roberta "
    "rosa rose rosemary roxanne sabrina sally sandy sharon sheila shelby shirley sonia sophia stella "
    "sue susanne suzanne sylvia tamara tanya tina toni ursula vanessa vera veronica victoria vivian "
    "wanda wendy yolanda yvonne zoe".split()
)
# Places named in US political news, so a pronoun for a person never lands on one ("… in Busan. “…,”
# he said"); a place missing here is simply of unknown kind, as before.
PLACES = frozenset(
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho "
    "illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota "
    "mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah "
    "vermont virginia washington wisconsin wyoming carolina dakota hampshire jersey mexico york "
    "ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont neb nev okla "
    "ore pa tenn tex va vt wash wis wyo "
    "america britain england france germany russia china japan korea india iran iraq israel syria "
    "afghanistan pakistan turkey egypt cuba canada brazil ukraine europe asia africa seoul beijing moscow "
    "london paris berlin tokyo tehran baghdad jerusalem brussels chicago boston philadelphia cleveland "
    "detroit atlanta miami houston dallas denver phoenix manhattan brooklyn county city state "
    "states province island islands valley".split()
)
