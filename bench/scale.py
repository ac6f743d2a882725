"""`flask seed scale --factor N`: one large demo partnership, for load tests (issue 10).

It lives with the benchmark, outside the app package: `flask seed` loads it only when
the command runs (see app/seeds.py).

Fills the database of the app's configuration (DATABASE_URL, or the default SQLite) with
one partnership, slug ``schaal`` ("Schaalproef Jeugdhulpregio (demo)"), and refuses when
the database holds a partnership already: run it against a separate, freshly migrated
database, e.g.::

    export FLASK_APP=app:create_app DATABASE_URL=sqlite:///$PWD/instance/scale-1.db
    flask db upgrade && flask seed scale --factor 1

At factor 1 it makes (every count times N, rounded, with a small minimum so that a tiny
factor such as 0.01 still gives every page something to show):

- 20 organisations (half municipalities with one regional purchasing office, half
  providers with one consortium); organisations are capped at 60, since no youth-care
  region has hundreds of partners;
- 300 members over all roles: a bestuurder and a programme manager for each
  organisation, and one known login per role (``beheerder@schaal.test``,
  ``programmamanager@schaal.test``, ``teamlid@schaal.test``, ``partner@schaal.test``,
  ``lezer@schaal.test``, ``bestuurder@schaal.test``), all with the password
  ``samenspel-demo`` (hashed once);
- an adopted manifest with 10 principles (not scaled), endorsed by most organisations,
  with three open change proposals;
- 1,000 agreements with 3 versions each (create, edit, revisit decision or second edit),
  mixed kinds and statuses, revisit dates spread around today, parties and principles;
- 500 risks with 6 assessments each, current figures equal to the last assessment, and
  about 0.85 measures per risk (some implemented by an agreement);
- 40 thematic tables with members; 600 conversations plus "Grote discussie: wachttijden",
  with 100,000 comments in all, 5,000 of them in that one; replies, mentions, a few
  hidden and edited comments, read markers, closed conversations with conclusions, and
  320 meetings with attendees and decisions;
- 2,000 finalised reviews (plus 40 concepts) with scores, lessons and actions; case
  details of reviews finalised more than 24 months ago are purged, as the daily
  ``flask reviews purge-expired`` would have done;
- 60 indicators (capped at 60: a partnership agrees on a bounded set) and 12 half-year
  cycles (not scaled: cycles are time, and six years is the span of all other data):
  11 decided by every organisation's bestuurder, with a frozen summary, and the current
  half-year running ("monitoren") with measurements for most indicators;
- an audit event for every created object of the main kinds, with the ``changes`` the
  services would record (computed by the services' own created_changes() and
  updated_changes() of app.activity.services) (agreements: create, activate, update, revisit; risks: create
  and a reassessment per assessment; comments, reviews, lessons, measures, ...).

Rows go in with SQLAlchemy Core bulk inserts in chunks, never through the services
(which write one object at a time); the database assigns the ids and returns them.
Randomness is deterministic (``random.Random(42)``): two runs give the same data, shifted to
the moment they run (dates are relative to now), but for the session tokens. Everything is one
transaction: on any error nothing is written. Afterwards the search index is rebuilt when
the app has one (``app.search.services.reindex_all``), since bulk inserts bypass the hook
that indexes ORM changes. All names and texts are invented demo data.
"""

from __future__ import annotations

import math
import random
import secrets
import time as clock
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import bindparam, func, insert, select, update
from werkzeug.security import generate_password_hash

from app.activity.models import AuditEvent
from app.activity.services import created_changes, plain, updated_changes
from app.agreements.models import Agreement, AgreementParty, AgreementVersion, Revisit
from app.auth.models import User
from app.cycles.models import (
    BoardDecision,
    Cycle,
    CycleProposal,
    Indicator,
    IndicatorApproval,
    Measurement,
    PhaseChange,
)
from app.cycles.services import fresh_summary
from app.extensions import db
from app.manifest.models import (
    ChangeProposal,
    Endorsement,
    ManifestVersion,
    Principle,
    PrincipleLink,
    PrincipleText,
    ProposalComment,
)
from app.partnerships.models import Membership, Organisation, Participation, Partnership
from app.reviews.models import Action, Lesson, Review, ReviewScore
from app.reviews.services import rebuild_tallies
from app.risks.models import (
    DEFAULT_CATEGORIES,
    Measure,
    Risk,
    RiskAssessment,
    RiskBearer,
    RiskCategory,
)
from app.search.services import reindex_all
from app.tables.models import (
    Comment,
    CommentRevision,
    Conversation,
    ConversationEvent,
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    Mention,
    ReadMarker,
    TableMember,
    ThematicTable,
)
from app.timeutil import today, utcnow

SLUG = "schaal"
NAME = "Schaalproef Jeugdhulpregio (demo)"
DOMAIN = "schaal.test"
PASSWORD = "samenspel-demo"  # noqa: S105  (the documented demo password)
DEMO_TOTP_SECRET = "SAMENSPELDEMOTOTPSAMENSPELDEMOTO"  # noqa: S105  (documented, demo only)
BIG_CONVERSATION = "Grote discussie: wachttijden"
KNOWN_ROLES = ("beheerder", "programmamanager", "teamlid", "partner", "lezer", "bestuurder")
CHUNK = 5000
YEARS = 6  # the span of the data: twelve half-year cycles
MAX_ORGANISATIONS = 60
MAX_INDICATORS = 60
CYCLES = 12
RETENTION_MONTHS = 24


# --- how much ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many objects of each kind a factor makes."""

    factor: float
    organisations: int
    members: int
    principles: int
    agreements: int
    versions_per_agreement: int
    risks: int
    assessments_per_risk: int
    tables: int
    conversations: int  # besides the big one
    comments: int  # in all conversations, the big one included
    big_conversation: int
    meetings: int
    reviews: int  # finalised
    concept_reviews: int
    indicators: int
    cycles: int


def plan(factor: float) -> Plan:
    def scaled(base: int, minimum: int) -> int:
        return max(minimum, round(base * factor))

    return Plan(
        factor=factor,
        organisations=min(MAX_ORGANISATIONS, scaled(20, 6)),
        members=scaled(300, 12),
        principles=10,
        agreements=scaled(1000, 6),
        versions_per_agreement=3,
        risks=scaled(500, 5),
        assessments_per_risk=6,
        tables=scaled(40, 2),
        conversations=scaled(600, 4),
        comments=scaled(100_000, 40),
        big_conversation=scaled(5000, 20),
        meetings=scaled(320, 4),
        reviews=scaled(2000, 6),
        concept_reviews=scaled(40, 2),
        indicators=min(MAX_INDICATORS, scaled(60, 4)),
        cycles=min(CYCLES, scaled(CYCLES, 3)),
    )


# --- Dutch demo vocabulary ----------------------------------------------------------------------

MUNICIPALITIES = (
    "Zwolle", "Deventer", "Apeldoorn", "Zutphen", "Kampen", "Hardenberg", "Ommen", "Dalfsen",
    "Raalte", "Olst-Wijhe", "Hattem", "Heerde", "Epe", "Voorst", "Lochem", "Brummen",
    "Staphorst", "Zwartewaterland", "Steenwijkerland", "Meppel", "Westerveld", "De Wolden",
    "Hoogeveen", "Emmen", "Coevorden", "Assen", "Tynaarlo", "Aa en Hunze", "Borger-Odoorn",
    "Midden-Drenthe", "Noordenveld", "Oldambt", "Veendam", "Stadskanaal",
)  # fmt: skip
PROVIDER_NAMES = (
    "De Horizon", "Kompaan", "Het Anker", "Lindenhof", "De Vlinder", "Zonnehuis", "Groeikracht",
    "Stip", "Kleurrijk", "De Waterlelie", "Het Kompas", "Boomhut", "De Wissel", "Sterk Huis",
    "Hoogland", "De Brink", "Vitaal", "Oosterpoort", "De Esch", "Veldzicht", "De Linde",
    "Markehof", "Het Venster", "Opstap", "De Sprong", "Wilgenhof", "Scharlaken", "Baken",
    "De Bolder", "Zevensprong",
)  # fmt: skip
PROVIDER_KINDS = ("Jeugdhulp", "Gezinszorg", "Jeugd & Gezin", "Jeugdzorg", "Opvoedhulp")
FIRST_NAMES = (
    "Anouk", "Bas", "Carla", "Daan", "Eline", "Fatima", "Gert", "Hanneke", "Iris", "Jan",
    "Kim", "Lars", "Mirjam", "Noah", "Olga", "Pieter", "Quinten", "Ruth", "Sander", "Tess",
    "Umut", "Vera", "Willem", "Yara", "Zeynep", "Bram", "Lotte", "Mohamed", "Nina", "Ruben",
    "Sofie", "Thijs", "Eva", "Koen", "Lieke", "Marco", "Naima", "Rik", "Saskia", "Wouter",
)  # fmt: skip
LAST_NAMES = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
    "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "Haan",
    "Vermeulen", "van den Berg", "El Idrissi", "Yilmaz", "Koster", "Prins", "Huisman",
    "Postma", "Kuipers", "Veenstra", "Wiersma", "Hoekstra", "Schouten", "Willems", "Bouma",
    "Kaya",
)  # fmt: skip
KNOWN_NAMES = {
    "beheerder": "Marloes Hendriks",
    "programmamanager": "Jeroen Bakker",
    "teamlid": "Sanne Visser",
    "partner": "Ahmed El Amrani",
    "lezer": "Ingrid Mulder",
    "bestuurder": "Kees van Dijk",
}

PRINCIPLES = (
    ("Het kind en het gezin centraal",
     "Alles wat we samen afspreken, toetsen we aan wat het betekent voor het kind en het gezin."),
    ("Eén gezin, één plan, één regisseur",
     "Waar meerdere hulpverleners betrokken zijn, werkt het gezin met één plan en één vast aanspreekpunt."),
    ("Zo licht als mogelijk, zo zwaar als nodig",
     "We zetten de lichtste hulp in die werkt en schalen tijdig op of af."),
    ("Vertrouwen door open informatie",
     "We delen cijfers, ontwikkelingen en dilemma's tijdig en eerlijk met elkaar."),
    ("Samen verantwoordelijk voor het budget",
     "Gemeenten en aanbieders dragen samen zorg voor een betaalbaar en toereikend jeugdhulpstelsel."),
    ("Ruimte voor de professional",
     "Professionals krijgen ruimte om te doen wat nodig is, binnen heldere kaders en met verantwoording achteraf."),
    ("Leren in plaats van afrekenen",
     "Als iets misgaat, zoeken we samen naar verbetering in plaats van naar een schuldige."),
    ("Dichtbij en zonder wachten",
     "Hulp start snel en zo dicht mogelijk bij huis, school of werk."),
    ("Doorlopende hulp na het 18e jaar",
     "Jongeren merken geen breuk in hulp en ondersteuning als zij 18 worden."),
    ("Administratieve eenvoud",
     "We houden de registratielast laag, zodat tijd en geld naar de hulp zelf gaan."),
)  # fmt: skip

TOPICS = (
    "wachttijden in de specialistische jeugdhulp", "thuiszitters", "de overgang van 18- naar 18+",
    "crisisplaatsingen", "verblijf buiten het gezin", "gezinsgerichte hulp",
    "afschalen naar lichte hulp", "verwijzingen door huisartsen", "de maandelijkse sturingsinformatie",
    "het collectieve budget", "jeugdbescherming en drang", "scheidingsproblematiek",
    "hulp aan jonge kinderen", "jeugd-GGZ", "dyslexiezorg", "pleegzorg", "gezinshuizen",
    "de samenwerking met het onderwijs", "de wijkteams", "ervaringsdeskundigheid",
    "personeelstekorten bij aanbieders", "kwaliteitsreviews", "de casuïstiektafel",
    "gegevensdeling en privacy",
)  # fmt: skip
AGREEMENT_ACTIONS = (
    "Gezamenlijke aanpak van", "Kwartaalgesprek over", "Eén aanspreekpunt voor",
    "Vaste werkwijze bij", "Warme overdracht bij", "Snelle escalatie bij",
    "Gedeelde registratie van", "Pilot met", "Heldere taakverdeling bij",
    "Tijdige signalering bij", "Samen beslissen over", "Budgetafspraken over", "Monitoring van",
    "Scholingsaanbod over", "Regionale norm voor", "Werkafspraak over",
)  # fmt: skip
AGREEMENT_SUMMARIES = (
    "Gemeenten en aanbieders bespreken elk kwartaal de stand van zaken rond {topic} en spreken zo nodig bijsturing af.",
    "Bij knelpunten rond {topic} schakelt de aanbieder binnen vijf werkdagen de regiecoördinator van de gemeente in.",
    "De aanbieders leveren maandelijks cijfers over {topic} aan; het inkoopbureau deelt de analyse met alle partners.",
    "Voor {topic} geldt één regionale werkwijze die alle aanbieders en wijkteams volgen.",
    "We proberen een half jaar een nieuwe aanpak voor {topic} uit en evalueren die met de thematafel.",
    "Het gezin houdt bij {topic} één vast aanspreekpunt, ook als meerdere aanbieders betrokken zijn.",
)  # fmt: skip
AGREEMENT_ADDITIONS = (
    " Afwijken kan alleen na overleg in het sturingsoverleg.",
    " De thematafel bewaakt de uitvoering.",
    " Ervaringsdeskundigen denken mee bij de evaluatie.",
    " De eerste evaluatie is na drie maanden.",
)  # fmt: skip
EXPLANATIONS = (
    "**Waarom**: signalen uit de casuïstiektafel en de monitor laten zien dat {topic} aandacht vraagt.\n\n"
    "**Hoe**: de programmamanagers van beide kanten houden de voortgang bij en melden knelpunten in het sturingsoverleg.",
    "Deze afspraak komt voort uit de thematafel. Zij geldt voor alle gemeenten en alle aanbieders in de regio.\n\n"
    "- afspraken worden vastgelegd in het gezamenlijke plan\n- evaluatie in de halfjaarlijkse cyclus",
    "We werken hierbij volgens de uitgangspunten van het manifest. De afspraak is bedoeld om {topic} "
    "beter te laten aansluiten bij wat gezinnen nodig hebben.",
)  # fmt: skip
CHANGE_NOTES = (
    "Formulering aangescherpt na bespreking in de thematafel",
    "Eigenaar gewijzigd na een reorganisatie bij de gemeente",
    "Partij toegevoegd op verzoek van de aanbieders",
    "Toelichting aangevuld met signalen uit de casuïstiektafel",
    "Termijnen aangepast aan de praktijk van de wijkteams",
)  # fmt: skip
REVISIT_REASONS = {
    "verlengen": (
        "Werkt in de praktijk; de cijfers laten verbetering zien. We verlengen met de nieuwe datum.",
        "Nog te vroeg om conclusies te trekken; we verlengen en kijken opnieuw bij de volgende evaluatie.",
    ),
    "aanpassen": (
        "De afspraak werkt, maar de termijnen zijn te krap voor de wijkteams. Aangepast.",
        "Na signalen van aanbieders is de formulering verduidelijkt.",
    ),
    "structureel": (
        "De afspraak heeft zich bewezen en wordt onderdeel van de vaste werkwijze.",
    ),
    "beeindigen": (
        "De afspraak is opgegaan in de nieuwe regionale inkoop.",
        "Het doel is bereikt; een aparte afspraak is niet meer nodig.",
    ),
}  # fmt: skip
DECISION_LABELS = {
    "verlengen": "Verlengd", "aanpassen": "Aangepast",
    "structureel": "Structureel gemaakt (hard)", "beeindigen": "Beëindigd",
}  # fmt: skip

RISK_TEMPLATES = (
    ("Oplopende wachttijden voor {x}", "capaciteit/personeel"),
    ("Overschrijding van het budget voor {x}", "financieel"),
    ("Personeelstekort bij aanbieders van {x}", "capaciteit/personeel"),
    ("Onvoldoende zicht op de kwaliteit van {x}", "kwaliteit van zorg"),
    ("Een aanbieder van {x} trekt zich terug uit de regio", "continuïteit"),
    ("Onvolledige of te late sturingsinformatie over {x}", "informatiepositie"),
    ("Afwentelgedrag tussen gemeenten en aanbieders bij {x}", "samenwerking"),
    ("Onrechtmatige gegevensdeling bij {x}", "juridisch"),
    ("Jeugdigen vallen tussen wal en schip bij {x}", "kwaliteit van zorg"),
    ("Verwijzers omzeilen de afspraken over {x}", "samenwerking"),
    ("Onvoldoende passend aanbod voor {x}", "continuïteit"),
    ("Bezwaar en klachten over de toewijzing van {x}", "juridisch"),
)  # fmt: skip
PROVISIONS = (
    "specialistische jeugd-GGZ", "verblijf", "gezinshuizen", "ambulante gezinsbegeleiding",
    "dagbehandeling", "pleegzorg", "crisisopvang", "dyslexiezorg",
    "hulp aan jongeren met een licht verstandelijke beperking", "hulp bij scheidingen",
)  # fmt: skip
REGION_PARTS = (
    "",
    " in het noorden van de regio",
    " in het zuiden van de regio",
    " in de grote kernen",
)
RISK_CAUSES = (
    "Krappe arbeidsmarkt en hoog verloop bij de aanbieders.",
    "Stijgende vraag na de coronaperiode en complexere problematiek.",
    "Afspraken over registratie en definities zijn niet overal gelijk.",
    "Financiële prikkels in de bekostiging lopen uiteen.",
    "Verwijzers kennen het regionale aanbod onvoldoende.",
)  # fmt: skip
RISK_CONSEQUENCES = (
    "Gezinnen wachten langer op passende hulp en problemen verergeren.",
    "Het collectieve budget raakt eerder uitgeput dan gepland.",
    "Gemeenten en aanbieders sturen op verschillende beelden van de werkelijkheid.",
    "Het vertrouwen tussen de partners neemt af.",
)  # fmt: skip
REASSESS_REASONS = (
    "Periodieke herbeoordeling in het sturingsoverleg; beeld grotendeels ongewijzigd.",
    "Maatregelen beginnen effect te hebben; netto-inschatting bijgesteld.",
    "Nieuwe signalen van aanbieders over personeelstekort.",
    "Cijfers van het afgelopen kwartaal laten een verslechtering zien.",
    "Na bespreking met de thematafel opnieuw ingeschat.",
    "Herbeoordeling na de halfjaarlijkse evaluatie.",
)  # fmt: skip
MEASURES = (
    "Maandelijkse monitoring in het sturingsoverleg met een vaste rapportage.",
    "Afspraken over voorrang voor de meest urgente situaties.",
    "Escalatieladder met vaste contactpersonen bij gemeenten en aanbieders.",
    "Gezamenlijke wervingscampagne en uitwisseling van personeel tussen aanbieders.",
    "Verwerkersovereenkomst en een protocol voor gegevensdeling.",
    "Extra inzet van praktijkondersteuners jeugd bij huisartsen.",
    "Kwartaalgesprek over dilemma's tussen programmamanagers.",
)  # fmt: skip

TABLE_THEMES = (
    "Toegang en wachttijden", "Gezinsgericht werken", "18-/18+",
    "Informatiepositie en sturingsinformatie", "Thuiszitters en onderwijs", "Crisis en veiligheid",
    "Verblijf en gezinshuizen", "Jeugd-GGZ", "Scheiding en ouderschap",
    "Lichte hulp en het voorliggend veld", "Ervaringsdeskundigheid", "Arbeidsmarkt en personeel",
    "Kwaliteit en leren", "Financiën en budget", "Pleegzorg", "Jonge kinderen",
    "Jeugdbescherming", "Privacy en gegevensdeling", "Inkoop en contractering",
    "Dyslexie en onderwijsondersteuning",
)  # fmt: skip
TABLE_AREAS = ("", " – Noord", " – Zuid", " – Oost", " – West")
CONVERSATION_TITLES = (
    "Hoe verkorten we de wachttijd bij {x}?", "Wie houdt de regie bij {x}?",
    "Ervaringen met {x} in de wijkteams", "Voorstel: één werkwijze voor {x}",
    "Cijfers over {x}: wat zien we?", "Signalen uit de praktijk over {x}",
    "Knelpunten bij {x} na de zomer", "Hoe betrekken we ouders bij {x}?",
)  # fmt: skip
OPENERS = (
    "Goed punt.", "Dank voor het delen.", "Herkenbaar vanuit ons team.",
    "Ik sluit me aan bij de vorige reactie.", "Vanuit de gemeente zien we iets anders.",
    "Een aanvulling vanuit de praktijk:", "Even een vraag ter verduidelijking:",
    "Wij hebben hier vorig kwartaal ervaring mee opgedaan.", "Eens, maar met een kanttekening.",
    "Interessant, dit speelt bij ons ook.",
)  # fmt: skip
MIDDLES = (
    "in ons gebied lopen de wachttijden nog steeds op",
    "de wijkteams weten niet altijd welke aanbieder plek heeft",
    "ouders geven aan dat ze het overzicht kwijtraken",
    "de overdracht naar lichte hulp gaat nog te vaak zonder warm contact",
    "we zien dat verwijzingen via de huisarts toenemen",
    "het helpt als er één vast aanspreekpunt is",
    "de registratie kost de professionals veel tijd",
    "we missen cijfers per gemeente om het gesprek goed te voeren",
    "de samenwerking met school verloopt wisselend",
    "het budget staat onder druk door de zware trajecten",
    "jongeren rond de 18 vallen nog steeds tussen wal en schip",
    "de casuïstiektafel helpt om vastgelopen situaties vlot te trekken",
)  # fmt: skip
CLOSERS = (
    "Kunnen we dit agenderen voor de volgende bijeenkomst?",
    "Ik stel voor dat we dit eerst in een kleine groep uitwerken.",
    "Wie heeft hier goede voorbeelden van?", "Laten we dit meenemen in de evaluatie.",
    "Ik hoor graag hoe andere aanbieders dit aanpakken.",
    "Dit zou een mooie werkafspraak kunnen worden.", "", "Ik kom hier volgende week op terug.",
)  # fmt: skip
CONCLUSIONS = (
    "We spreken af dat de aanbieders voortaan binnen vijf werkdagen terugkoppelen aan het wijkteam.",
    "De thematafel stelt een werkafspraak voor aan het sturingsoverleg.",
    "Geen nieuwe afspraak nodig; de bestaande werkwijze wordt beter bekendgemaakt.",
    "We nemen dit mee in de volgende evaluatiecyclus en agenderen het bij de bestuurders.",
)  # fmt: skip
PLACES = ("Stadhuis, vergaderzaal 2", "Online (videogesprek)", "Kantoor regionaal inkoopbureau",
          "Wijkcentrum De Bron", "Locatie van een van de aanbieders")  # fmt: skip
MEETING_DECISIONS = (
    "De werkgroep werkt een voorstel uit voor de volgende bijeenkomst.",
    "De programmamanagers agenderen dit in het sturingsoverleg.",
    "We vragen de aanbieders om cijfers per gemeente aan te leveren.",
    "Een ervaringsdeskundige schuift de volgende keer aan.",
)  # fmt: skip

CASE_TITLES = (
    "Gezin met {n} kinderen en twee aanbieders: wie houdt het overzicht?",
    "Jongere ({age}) zit al maanden thuis: school en jeugdhulp werken langs elkaar heen",
    "Jongere ({age}) wil na de 18e verjaardag geen hulp meer",
    "Uithuisplaatsing voorkomen met intensieve hulp thuis",
    "Ouders met twee plannen van twee aanbieders: welk plan telt?",
    "Gezin verhuist binnen de regio en de hulp stopt bij de gemeentegrens",
    "Lange wachttijd voor specialistische GGZ bij een jongere ({age})",
    "Zorgen over de veiligheid van jonge kinderen na een signaal van school",
    "Scheiding met conflicten: de kinderen klem tussen de ouders",
    "Afschalen na intensieve gezinsbegeleiding: wie pakt het op?",
)  # fmt: skip
QUALITY_TITLES = (
    "Kwaliteitsreview: hoe besluiten we over verlenging van ambulante hulp?",
    "Kwaliteitsreview: afschalen met een warme overdracht",
    "Kwaliteitsreview: hoe gebruiken we de cijfers uit de monitor in het team?",
    "Kwaliteitsreview: een jaar casuïstiektafel",
    "Kwaliteitsreview: samenwerking met het onderwijs",
    "Kwaliteitsreview: ervaringsdeskundigen in het team",
)  # fmt: skip
CASE_DESCRIPTIONS = (
    "Een gezin met meerdere kinderen krijgt hulp van twee aanbieders en het wijkteam. De ouders "
    "weten niet meer wie waarvoor verantwoordelijk is en haken af.",
    "Een jongere gaat al maanden niet naar school. School, leerplicht en de jeugdhulp hebben "
    "elk een eigen plan; er is geen gezamenlijk overleg geweest.",
    "Na een melding van school is het gezin snel gezien, maar de hulp startte pas na acht weken "
    "door een wachtlijst bij de specialistische hulp.",
    "De hulp is afgesloten zonder overdracht naar het lokale team. Na drie maanden meldt het "
    "gezin zich opnieuw, met zwaardere problemen.",
)  # fmt: skip
WENT_WELL = (
    "Snelle eerste inzet van het wijkteam en een goede klik met de ouders.",
    "De casuïstiektafel bracht partijen binnen een week bij elkaar.",
    "Heldere afspraken over wie het aanspreekpunt is voor het gezin.",
)  # fmt: skip
COULD_BE_BETTER = (
    "De overdracht tussen aanbieders ging zonder gesprek met het gezin erbij.",
    "Evaluatiemomenten waren niet vastgelegd, waardoor de hulp te lang doorliep.",
    "School was laat betrokken en had een ander beeld van de situatie.",
)  # fmt: skip
AIM_TEXTS = {
    "communicatie": "Het team bespreekt beter hoe het met ouders communiceert over doelen.",
    "professionalisering": "Collega's leren van elkaars afwegingen bij verlenging.",
    "verschillen": "Verschillen tussen teams in afschalen worden zichtbaar.",
    "regels": "Regels die de hulp onnodig vertragen worden benoemd.",
}
LESSONS = {
    1: ("Eerder contact opnemen met school als een jongere verzuimt.",
        "Bij elke overdracht een warm gesprek met het gezin erbij.",
        "Het plan van het gezin samen met de ouders opstellen, niet vooraf.",
        "Na twee maanden expliciet evalueren of de hulp nog past."),
    2: ("Ons team legt evaluatiemomenten vast in het plan en houdt zich eraan.",
        "We wijzen bij meerdere aanbieders standaard één regisseur aan.",
        "Teamleiders bespreken maandelijks de trajecten die langer dan een jaar lopen."),
    3: ("De regio heeft geen gedeelde definitie van passende hulp; dat vraagt een regionale afspraak.",
        "De bekostiging beloont doorlopen in plaats van afschalen; dat moet in de inkoop anders.",
        "De overgang naar 18+ vraagt een afspraak tussen jeugdhulp en volwassenenzorg."),
}  # fmt: skip
ARENAS_BY_LEVEL = {1: ("casus", "casus", "organisatie"), 2: ("organisatie", "organisatie", "casus"),
                   3: ("systeem", "systeem", "organisatie")}  # fmt: skip
SCORE_EXPLANATIONS = (
    "", "", "Goed zichtbaar in de samenwerking rond het gezin.",
    "Hier schoot de samenwerking tekort.", "Deels: de intentie was er, de uitvoering niet.",
)  # fmt: skip
TEAMS = ("Team Jeugd", "Team Gezin", "Team Jong")
COMPASS = ("Noord", "Zuid", "Oost", "West", "Centrum")

INDICATORS = (
    ("Wachttijd tot start hulp", "dagen", "lager", 28.0),
    ("Doorlooptijd trajecten", "maanden", "lager", 9.0),
    ("Jeugdigen in specialistische jeugdhulp", "jeugdigen", "lager", 1150.0),
    ("Uitstroom naar lichtere zorg", "%", "hoger", 45.0),
    ("Thuiszitters langer dan 3 maanden", "jeugdigen", "lager", 10.0),
    ("Cliënttevredenheid", "cijfer", "hoger", 7.5),
    ("Budgetuitputting", "%", "lager", 100.0),
    ("Herhaald beroep op jeugdhulp binnen een jaar", "%", "lager", 15.0),
    ("Crisisplaatsingen", "plaatsingen", "lager", 40.0),
    ("Jeugdigen in verblijf", "jeugdigen", "lager", 120.0),
    ("Doelrealisatie bij afsluiting", "%", "hoger", 75.0),
    ("Ziekteverzuim medewerkers aanbieders", "%", "lager", 6.0),
    ("Verwijzingen via de huisarts", "%", "lager", 35.0),
    ("Gemiddelde kosten per traject", "euro", "lager", 9500.0),
    ("Jongeren van 17 met een toekomstplan", "%", "hoger", 90.0),
    ("Voortijdig beëindigde trajecten", "%", "lager", 12.0),
    ("Wachtenden langer dan negen weken", "jeugdigen", "lager", 25.0),
    ("Trajecten met inzet van ervaringsdeskundigen", "trajecten", "hoger", 50.0),
    ("Kwaliteit van de samenwerking", "", "hoger", None),
    ("Ervaren regie door ouders", "", "hoger", None),
)  # fmt: skip
INDICATOR_GROUPS = ("", " – 0 t/m 11 jaar", " – 12 t/m 17 jaar")
QUALITATIVE_VALUES = (
    "Open en gelijkwaardig; dilemma's komen tijdig op tafel.",
    "Goede voortgang, maar de informatie-uitwisseling blijft achter.",
    "Spanning over het budget kleurt de gesprekken.",
)  # fmt: skip
CYCLE_PROPOSALS = (
    "Wachttijden krijgen een vaste plek op de agenda van het sturingsoverleg.",
    "De regio ontwikkelt één definitie van passende hulp.",
    "Aanbieders en wijkteams maken een gezamenlijk scholingsplan.",
    "De afspraken over afschalen worden structureel.",
    "Het inkoopbureau levert cijfers per gemeente per kwartaal.",
)  # fmt: skip


# --- helpers ---------------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    normal = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in normal.lower() if ch.isalnum())


def bulk(model, rows: list[dict], returning: bool = True) -> list[int]:
    """Insert rows in chunks with bulk inserts; returns the ids the database gave, in the
    order of the rows.

    render_nulls: without it the ORM leaves None values out of a row's parameters and so
    splits a chunk into a separate statement at every change of which columns are None
    (one executemany per run of rows instead of one per chunk).
    """
    if not rows:
        return []
    if "version" in model.__table__.c:
        for row in rows:
            row.setdefault("version", 1)
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        statement = insert(model).execution_options(render_nulls=True)
        if returning:
            statement = statement.returning(model.id, sort_by_parameter_order=True)
            ids.extend(db.session.execute(statement, chunk).scalars())
        else:
            db.session.execute(statement, chunk)
    return ids


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """total divided into parts with random (skewed) sizes that add up exactly."""
    if parts <= 0:
        return []
    weights = [rng.expovariate(1.0) + 0.2 for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [math.floor(w * scale) for w in weights]
    for i in rng.sample(range(parts), total - sum(sizes)):
        sizes[i] += 1
    return sizes


# --- the loader ---------------------------------------------------------------------------------


class ScaleLoader:
    def __init__(self, factor: float, seed: int = 42):
        self.plan = plan(factor)
        self.rng = random.Random(seed)
        self.now = utcnow().replace(microsecond=0)
        self.today = today()
        half = date(self.today.year, 1 if self.today.month <= 6 else 7, 1)
        self.current_half = half
        self.start = self._half_year(CYCLES - 1)[0]  # the first day of the data
        self.events: list[dict] = []
        self.event_count = 0

    # time -------------------------------------------------------------------------------------

    def _half_year(self, back: int) -> tuple[date, date]:
        year, month = self.current_half.year, self.current_half.month
        for _ in range(back):
            year, month = (year, 1) if month == 7 else (year - 1, 7)
        start = date(year, month, 1)
        return start, (date(year, 6, 30) if month == 1 else date(year, 12, 31))

    def at(self, day: date, hour: int | None = None) -> datetime:
        """A moment in office hours (naive UTC) on a day."""
        hour = self.rng.randint(7, 15) if hour is None else hour
        return datetime.combine(day, time(hour, self.rng.randint(0, 59)))

    def between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + timedelta(seconds=self.rng.uniform(0, (end - start).total_seconds()))

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    # audit ------------------------------------------------------------------------------------

    def audit(self, at, action, object_type, object_id, changes, actor_id=None) -> None:
        self.events.append({
            "at": at, "actor_id": actor_id, "partnership_id": self.pid,
            "object_type": object_type, "object_id": object_id, "action": action,
            "changes": changes,
        })  # fmt: skip
        if len(self.events) >= 4 * CHUNK:
            self.flush_events()

    def flush_events(self) -> None:
        self.event_count += len(self.events)
        bulk(AuditEvent, self.events, returning=False)
        self.events = []

    # people ------------------------------------------------------------------------------------

    def pick(self, role: str | tuple[str, ...]) -> int:
        roles = (role,) if isinstance(role, str) else role
        return self.rng.choice([u for r in roles for u in self.by_role[r]])

    def worker(self) -> int:
        """Someone who does the work: mostly programme managers and team members."""
        roll = self.rng.random()
        if roll < 0.04:
            return self.known["programmamanager"]
        if roll < 0.06:
            return self.known["beheerder"]
        return self.pick(("programmamanager", "teamlid", "teamlid"))

    # ------------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.partnership()
        self.organisations()
        self.people()
        self.manifest()
        self.agreements()
        self.risks()
        self.tables()
        self.reviews()
        self.cycles()
        self.flush_events()
        return counts(self.pid)

    def partnership(self) -> None:
        row = {
            "name": NAME, "slug": SLUG,
            "description": "Demo voor belastingtests (`flask seed scale`): één grote, verzonnen "
            "jeugdhulpregio met gemeenten en aanbieders. Alle namen, cijfers en teksten zijn demo.",
            "created_at": datetime.combine(self.start - timedelta(days=60), time(9, 0)),
        }  # fmt: skip
        (self.pid,) = bulk(Partnership, [row])
        self.audit(row["created_at"], "create", "Partnership", self.pid, created_changes(row))

    def organisations(self) -> None:
        n = self.plan.organisations
        municipal = n // 2
        names = [("Regionaal Inkoopbureau Jeugd Schaalproef (demo)", "regio")]
        names += [(f"Gemeente {m} (demo)", "gemeente") for m in MUNICIPALITIES[: municipal - 1]]
        providers = [f"{p} {k} (demo)" for k in PROVIDER_KINDS for p in PROVIDER_NAMES]
        self.rng.shuffle(providers)
        names.append(("Consortium Jeugdhulp Schaalproef (demo)", "consortium"))
        names += [(p, "aanbieder") for p in providers[: n - municipal - 1]]
        moment = datetime.combine(self.start - timedelta(days=59), time(9, 0))
        rows = [{"name": name, "kind": kind, "created_at": moment} for name, kind in names]
        ids = bulk(Organisation, rows)
        self.orgs = [{"id": i, **row} for i, row in zip(ids, rows, strict=True)]
        self.org_ids = ids
        self.org_name = {o["id"]: o["name"] for o in self.orgs}
        self.org_kind = {o["id"]: o["kind"] for o in self.orgs}
        self.municipal = [o["id"] for o in self.orgs if o["kind"] in ("gemeente", "regio")]
        self.providers = [o["id"] for o in self.orgs if o["kind"] in ("aanbieder", "consortium")]
        participations = [
            {"partnership_id": self.pid, "organisation_id": i, "active": True, "joined_at": moment}
            for i in ids
        ]
        pids = bulk(Participation, participations)
        for i, row in zip(ids, rows, strict=True):
            self.audit(moment, "create", "Organisation", i, created_changes(row))
        for i, row in zip(pids, participations, strict=True):
            self.audit(moment, "create", "Participation", i, created_changes(row))

    def people(self) -> None:
        rng = self.rng
        password_hash = generate_password_hash(PASSWORD, method="scrypt")  # once, for everyone
        # The first municipality (a real one, not the purchasing office) and the first provider.
        home, provider = self.municipal[1], self.providers[0]
        specs = [  # (role, organisation, name, email)
            ("beheerder", home), ("programmamanager", home), ("teamlid", provider),
            ("partner", self.municipal[min(2, len(self.municipal) - 1)]),
            ("lezer", self.municipal[-1]), ("bestuurder", provider),
        ]  # fmt: skip
        people = [(role, org, KNOWN_NAMES[role], f"{role}@{DOMAIN}") for role, org in specs]
        extra = []
        # A bestuurder for every organisation, then a programme manager for every organisation
        # (providers first, so that both sides can agree on indicators), two more beheerders.
        extra += [("bestuurder", o) for o in self.orgs_by_kind_order() if o != provider]
        extra += [("programmamanager", o) for o in self.orgs_by_kind_order() if o != home]
        extra += [("beheerder", self.municipal[0]), ("beheerder", self.providers[-1])]
        rest = self.plan.members - len(people)
        extra = extra[:rest]
        roles = ("teamlid",) * 5 + ("partner",) * 3 + ("lezer",) * 2
        while len(extra) < rest:
            role = rng.choice(roles)
            pool = self.providers if role == "teamlid" and rng.random() < 0.8 else self.municipal
            if role == "partner" and rng.random() < 0.3:
                pool = self.providers
            extra.append((role, rng.choice(pool)))
        for number, (role, org) in enumerate(extra, start=1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{_ascii(first)}.{_ascii(last)}.{number}@{DOMAIN}"
            people.append((role, org, f"{first} {last}", email))

        moment = datetime.combine(self.start - timedelta(days=58), time(9, 0))
        users = [
            {"email": email, "name": name, "password_hash": password_hash, "active": True,
             "language": "nl", "last_login_at": None, "created_at": moment,
             "session_token": secrets.token_hex(16),
             # Every scale account has the demo TOTP key (beheerders must use one).
             "totp_secret": DEMO_TOTP_SECRET, "totp_enabled_at": moment,
             "totp_last_step": None}
            for _, _, name, email in people
        ]  # fmt: skip
        user_ids = bulk(User, users)
        memberships = []
        for index, ((role, org, _, _), uid) in enumerate(zip(people, user_ids, strict=True)):
            # A few people left (archived membership); never the known logins.
            active = index < len(KNOWN_ROLES) or rng.random() > 0.02
            memberships.append({
                "user_id": uid, "partnership_id": self.pid, "organisation_id": org,
                "role": role, "active": active, "created_at": moment,
            })  # fmt: skip
        membership_ids = bulk(Membership, memberships)
        for uid, row in zip(user_ids, users, strict=True):
            self.audit(moment, "create", "User", uid, created_changes(row))
        for mid, row in zip(membership_ids, memberships, strict=True):
            self.audit(moment, "create", "Membership", mid, created_changes(row))

        self.users = {}
        self.by_role: dict[str, list[int]] = defaultdict(list)
        self.by_org: dict[int, list[int]] = defaultdict(list)
        self.known = {}
        for (role, org, name, email), uid, m in zip(people, user_ids, memberships, strict=True):
            self.users[uid] = {"name": name, "email": email, "role": role, "org": org}
            if email == f"{role}@{DOMAIN}":
                self.known[role] = uid
            if m["active"]:
                self.by_role[role].append(uid)
                self.by_org[org].append(uid)
        self.bestuurder_of = {}
        for uid in self.by_role["bestuurder"]:
            self.bestuurder_of.setdefault(self.users[uid]["org"], uid)

    def orgs_by_kind_order(self) -> list[int]:
        """Organisations alternating provider, municipality, ... (for spreading roles)."""
        order: list[int] = []
        for i in range(max(len(self.providers), len(self.municipal))):
            order += self.providers[i : i + 1] + self.municipal[i : i + 1]
        return order

    # --- manifest ------------------------------------------------------------------------------

    def manifest(self) -> None:
        rng = self.rng
        author = self.known["programmamanager"]
        adopted = datetime.combine(self.start - timedelta(days=30), time(14, 0))
        row = {
            "partnership_id": self.pid, "number": 1, "status": "adopted",
            "preamble": "Wij, de gemeenten en aanbieders van de Schaalproef Jeugdhulpregio, "
            "werken samen vanuit deze uitgangspunten (demo).",
            "created_at": adopted - timedelta(days=40), "created_by_id": author,
            "adopted_at": adopted, "adopted_by_id": author,
            "adoption_note": "Vastgesteld in het regionaal bestuurlijk overleg (demo).",
        }  # fmt: skip
        (version_id,) = bulk(ManifestVersion, [row])
        self.audit(adopted, "adopt", "ManifestVersion", version_id,
                   {"status": ["draft", "adopted"]}, author)  # fmt: skip
        count = self.plan.principles
        self.principles = bulk(
            Principle,
            [{"partnership_id": self.pid, "created_at": row["created_at"]} for _ in range(count)],
        )
        texts = []
        for position, (pid, (title, core)) in enumerate(
            zip(self.principles, PRINCIPLES, strict=False), start=1
        ):
            texts.append({
                "manifest_version_id": version_id, "principle_id": pid, "position": position,
                "title": title, "core_sentence": core,
                "explanation": f"Dit uitgangspunt vraagt van ons allemaal dat we {core[0].lower()}{core[1:-1]}.",
                "origin": "Regiovisie jeugdhulp (demo)",
                "practice": "- bespreken in de casuïstiektafel\n- toetsen in de halfjaarlijkse evaluatie",
            })  # fmt: skip
        for text_id, text in zip(bulk(PrincipleText, texts), texts, strict=True):
            self.audit(
                row["created_at"], "create", "PrincipleText", text_id, created_changes(text), author
            )
        # Most organisations endorsed; two have not yet (the dashboard shows that).
        endorsing = list(self.bestuurder_of.items())[: max(1, len(self.bestuurder_of) - 2)]
        endorsements = [
            {"manifest_version_id": version_id, "organisation_id": org, "user_id": uid,
             "at": adopted + timedelta(days=rng.randint(7, 60)), "note": ""}
            for org, uid in endorsing
        ]  # fmt: skip
        for eid, e in zip(bulk(Endorsement, endorsements), endorsements, strict=True):
            self.audit(e["at"], "create", "Endorsement", eid, created_changes(e), e["user_id"])
        proposals = []
        for i in range(3):
            proposals.append({
                "partnership_id": self.pid, "principle_id": self.principles[i * 3],
                "title": PRINCIPLES[i * 3][0], "core_sentence": PRINCIPLES[i * 3][1] + " Ook in crisissituaties.",
                "explanation": "", "practice": "",
                "reason": "Uit de kwaliteitsreviews blijkt dat dit uitgangspunt in crisissituaties onder druk staat.",
                "origin_type": None, "origin_id": None, "origin_label": "",
                "author_id": self.worker(), "created_at": self.at(self.days_ago(5, 60)),
                "status": "open", "decided_by_id": None, "decided_at": None,
                "decision_reason": "", "accepted_into_id": None,
            })  # fmt: skip
        proposal_ids = bulk(ChangeProposal, proposals)
        comments = []
        for pid, p in zip(proposal_ids, proposals, strict=True):
            self.audit(
                p["created_at"], "create", "ChangeProposal", pid, created_changes(p), p["author_id"]
            )
            for _ in range(rng.randint(1, 4)):
                comments.append({
                    "proposal_id": pid, "author_id": self.worker(),
                    "body": f"{rng.choice(OPENERS)} {rng.choice(CLOSERS)}".strip(),
                    "created_at": self.between(p["created_at"], self.now),
                })  # fmt: skip
        for cid, c in zip(bulk(ProposalComment, comments), comments, strict=True):
            self.audit(
                c["created_at"],
                "create",
                "ProposalComment",
                cid,
                created_changes(c),
                c["author_id"],
            )

    def links(self, source_type: str, relation: str, pairs: list[tuple[int, list[int]]], moment):
        rows = [
            {"partnership_id": self.pid, "principle_id": p, "source_type": source_type,
             "source_id": source_id, "relation": relation, "created_at": moment(source_id)}
            for source_id, principles in pairs for p in sorted(set(principles))
        ]  # fmt: skip
        bulk(PrincipleLink, rows, returning=False)

    # --- agreements ------------------------------------------------------------------------------

    def agreements(self) -> None:
        rng = self.rng
        today, earliest = self.today, self.start + timedelta(days=10)
        specs = []
        for _ in range(self.plan.agreements):
            topic = rng.choice(TOPICS)
            roll = rng.random()
            status = "concept" if roll < 0.08 else "beeindigd" if roll < 0.22 else "actief"
            kind = "werkbaar" if status != "actief" or rng.random() < 0.7 else "hard"
            spec = {
                "status": status, "kind": kind, "owner": self.worker(),
                "title": f"{rng.choice(AGREEMENT_ACTIONS)} {topic}"[:200],
                "summary": rng.choice(AGREEMENT_SUMMARIES).format(topic=topic),
                "explanation": rng.choice(EXPLANATIONS).format(topic=topic),
                "parties": rng.sample(self.org_ids, rng.randint(1, min(4, len(self.org_ids)))),
                "principles": rng.sample(self.principles, rng.randint(0, 3)),
            }  # fmt: skip
            if status == "concept":
                made = self.now - timedelta(days=rng.randint(3, 120), hours=rng.randint(0, 9))
                spec["start"] = made.date() + timedelta(days=rng.randint(0, 60))
                spec["revisit"] = (
                    spec["start"] + timedelta(days=182) if kind == "werkbaar" else None
                )
                spec["created"] = made
            else:
                # The revisit decision (version 3) was taken on the date the agreement was due.
                final_revisit = None
                if status == "actief" and kind == "werkbaar":
                    roll = rng.random()
                    # Overdue, due within 30 days, or later: the filters and the panel have data.
                    offset = (rng.randint(-150, -1) if roll < 0.18 else rng.randint(0, 30)
                              if roll < 0.32 else rng.randint(31, 400))  # fmt: skip
                    final_revisit = today + timedelta(days=offset)
                    decided = min(final_revisit - timedelta(days=rng.randint(90, 365)),
                                  today - timedelta(days=rng.randint(1, 45)))  # fmt: skip
                else:
                    decided = today - timedelta(days=rng.randint(10, 365 * YEARS - 200))
                decided = max(decided, earliest + timedelta(days=60))
                start = max(earliest, decided - timedelta(days=rng.randint(150, 1200)))
                if (decided - start).days < 30:
                    start = decided - timedelta(days=30)
                spec.update(
                    start=start, decided=decided, final_revisit=final_revisit, revisit=decided,
                    created=self.at(start - timedelta(days=rng.randint(0, 20)), 9),
                )  # fmt: skip
            specs.append(spec)
        specs.sort(key=lambda s: s["created"])

        def content(fields: dict, party_ids: list[int], principles: list[int]) -> dict:
            """An agreement version's content, as agreements.services._snapshot makes it."""
            return {
                "title": fields["title"], "summary": fields["summary"],
                "explanation": fields["explanation"], "kind": fields["kind"],
                "start_on": fields["start_on"].isoformat(),
                "revisit_on": fields["revisit_on"].isoformat() if fields["revisit_on"] else "",
                "end_on": fields["end_on"].isoformat() if fields["end_on"] else "",
                "parties": sorted(self.org_name[p] for p in party_ids),
                "owner": self.users[fields["owner_id"]]["name"] if fields["owner_id"] else "",
                "origin": fields["origin"], "principles": sorted(principles),
            }  # fmt: skip

        # Each agreement's history, computed before the insert; ids are filled in after it.
        rows, histories = [], []
        for number, s in enumerate(specs, start=1):
            row = {
                "partnership_id": self.pid, "number": number, "title": s["title"],
                "summary": s["summary"], "explanation": s["explanation"],
                "kind": s["kind"] if s["status"] == "concept" else "werkbaar",
                "status": "concept", "owner_id": s["owner"], "start_on": s["start"],
                "revisit_on": s["revisit"], "end_on": None, "origin": "", "origin_type": None,
                "origin_id": None, "origin_label": "", "current_version": 1, "archived_at": None,
                "created_at": s["created"], "updated_at": s["created"],
            }  # fmt: skip
            # (at, action, changes, actor) for the audit trail; version rows; a revisit row.
            events = [(row["created_at"], "create", created_changes(row), s["owner"])]
            party_ids = list(s["parties"])
            versions = [(row["created_at"], content(row, party_ids, s["principles"]),
                         "Aangemaakt (demo)", s["owner"])]  # fmt: skip
            revisit = None
            if s["status"] == "concept":
                moments = sorted(self.between(row["created_at"], self.now) for _ in range(2))
            else:
                activated = self.at(s["start"], 9)
                decided_at = self.at(s["decided"], 14)
                moments = [
                    self.between(activated + timedelta(hours=1), decided_at - timedelta(days=1)),
                    decided_at,
                ]
                events.append((activated, "activate", {
                    "status": ["concept", "actief"],
                    "updated_at": [row["updated_at"].isoformat(), activated.isoformat()],
                }, s["owner"]))  # fmt: skip
                row["status"] = "actief"
            # Version 2: an edit.
            before = versions[-1][1]
            change = rng.choice(("summary", "owner", "parties", "explanation"))
            others = [o for o in self.org_ids if o not in party_ids]
            if change == "owner":
                row["owner_id"] = self.worker()
            elif change == "parties" and others:
                party_ids.append(rng.choice(others))
            elif change == "explanation":
                row["explanation"] += "\n\nAangevuld na de evaluatie in de thematafel."
            else:
                row["summary"] = (row["summary"] + rng.choice(AGREEMENT_ADDITIONS))[:500]
            actor = row["owner_id"]
            after = content(row, party_ids, s["principles"])
            versions.append((moments[0], after, rng.choice(CHANGE_NOTES), actor))
            events.append((moments[0], "update", updated_changes(before, after), actor))
            # Version 3: a revisit decision (a concept gets another edit instead).
            before = after
            if s["status"] == "concept":
                row["summary"] = (row["summary"] + " Concept nog te bespreken met de partners.")[
                    :500
                ]
                after = content(row, party_ids, s["principles"])
                versions.append((moments[1], after, "Concept aangevuld voor bespreking", actor))
                events.append((moments[1], "update", updated_changes(before, after), actor))
            else:
                if s["status"] == "beeindigd":
                    decision = "beeindigen"
                    row["status"], row["end_on"] = "beeindigd", s["decided"]
                elif s["kind"] == "hard":
                    decision = "structureel"
                    row["kind"], row["revisit_on"] = "hard", None
                else:
                    decision = "aanpassen" if rng.random() < 0.3 else "verlengen"
                    row["revisit_on"] = s["final_revisit"]
                    if decision == "aanpassen":
                        row["summary"] = (row["summary"] + " Termijnen aangepast na evaluatie.")[
                            :500
                        ]
                reason = rng.choice(REVISIT_REASONS[decision])
                after = content(row, party_ids, s["principles"])
                versions.append(
                    (moments[1], after, f"{DECISION_LABELS[decision]}: {reason}", actor)
                )
                events.append((moments[1], "revisit",
                               {"decision": [None, decision], **updated_changes(before, after)}, actor))  # fmt: skip
                revisit = {
                    "decision": decision, "reason": reason, "previous_revisit_on": s["revisit"],
                    "new_revisit_on": row["revisit_on"], "version_number": 3,
                    "decided_by_id": actor, "decided_at": moments[1],
                }  # fmt: skip
            row["current_version"] = len(versions)
            row["updated_at"] = moments[1]
            if s["status"] != "concept" and rng.random() < 0.03:
                row["archived_at"] = min(self.now, moments[1] + timedelta(days=rng.randint(1, 30)))
                events.append((row["archived_at"], "archive",
                               {"archived_at": [None, row["archived_at"].isoformat()]}, actor))  # fmt: skip
            rows.append(row)
            histories.append((events, versions, revisit, party_ids))

        ids = bulk(Agreement, rows)
        version_rows, revisit_rows, party_rows = [], [], []
        self.active_agreements = []
        for aid, row, (events, versions, revisit, party_ids) in zip(
            ids, rows, histories, strict=True
        ):
            for at, action, changes, actor in events:
                self.audit(at, action, "Agreement", aid, changes, actor)
            for number, (at, body, note, actor) in enumerate(versions, start=1):
                version_rows.append({"agreement_id": aid, "number": number, "content": body,
                                     "change_note": note, "created_by_id": actor, "created_at": at})  # fmt: skip
            if revisit:
                revisit_rows.append({"agreement_id": aid, **revisit})
            party_rows += [{"agreement_id": aid, "organisation_id": p} for p in party_ids]
            if row["status"] == "actief" and row["archived_at"] is None:
                self.active_agreements.append(aid)
        bulk(AgreementVersion, version_rows, returning=False)
        bulk(Revisit, revisit_rows, returning=False)
        bulk(AgreementParty, party_rows, returning=False)
        when = {aid: row["created_at"] for aid, row in zip(ids, rows, strict=True)}
        self.links("agreement", "implements",
                   [(aid, s["principles"]) for aid, s in zip(ids, specs, strict=True)],
                   when.__getitem__)  # fmt: skip

    # --- risks ----------------------------------------------------------------------------------------

    def risks(self) -> None:
        rng = self.rng
        names = list(DEFAULT_CATEGORIES)
        categories = [{"partnership_id": self.pid, "name": n, "position": i, "active": True}
                      for i, n in enumerate(names)]  # fmt: skip
        category_id = dict(zip(names, bulk(RiskCategory, categories), strict=True))
        span = (self.now - datetime.combine(self.start, time(9, 0))).days
        specs = []
        for _ in range(self.plan.risks):
            template, category = rng.choice(RISK_TEMPLATES)
            provision = rng.choice(PROVISIONS)
            created_at = self.now - timedelta(days=rng.randint(120, span), hours=rng.randint(0, 8))
            stamps = sorted(self.between(created_at + timedelta(days=1), self.now - timedelta(days=1))
                            for _ in range(self.plan.assessments_per_risk - 1))  # fmt: skip
            il, ii = rng.randint(2, 5), rng.randint(2, 5)
            figures = [(il, ii, rng.randint(1, il), rng.randint(1, ii))]
            for _ in stamps:
                il, ii, rl, ri = figures[-1]
                which = rng.randrange(5)  # 4: unchanged, confirmed at a review
                if which == 0:
                    il = min(5, max(1, il + rng.choice((-1, 1))))
                elif which == 1:
                    ii = min(5, max(1, ii + rng.choice((-1, 1))))
                elif which == 2:
                    rl = rl + rng.choice((-1, 1))
                elif which == 3:
                    ri = ri + rng.choice((-1, 1))
                figures.append((il, ii, min(il, max(1, rl)), min(ii, max(1, ri))))
            roll = rng.random()
            status = ("open" if roll < 0.45 else "beheerst" if roll < 0.75 else "geaccepteerd"
                      if roll < 0.87 else "gesloten")  # fmt: skip
            shared = rng.random() < 0.3
            specs.append({
                "created": created_at, "stamps": [created_at, *stamps], "figures": figures,
                "row": {
                    "partnership_id": self.pid,
                    "title": (template.format(x=provision) + rng.choice(REGION_PARTS))[:200],
                    "description": f"Het risico dat {template.format(x=provision).lower()}.",
                    "cause": rng.choice(RISK_CAUSES), "consequence": rng.choice(RISK_CONSEQUENCES),
                    "category_id": category_id[category], "shared": shared,
                    "owner_id": self.worker(),
                    "strategy": rng.choice(("verminderen", "verminderen", "vermijden", "overdragen", "accepteren")),
                    "status": status,
                    "review_on": None if status == "gesloten" else self.today + timedelta(days=rng.randint(-90, 200)),
                    "archived_at": None, "residual_reason": "",
                },
                "bearers": [] if shared else rng.sample([o["id"] for o in self.orgs], rng.randint(1, min(3, len(self.orgs)))),
                "principles": rng.sample(self.principles, rng.randint(0, 2)),
            })  # fmt: skip
        specs.sort(key=lambda s: s["created"])
        rows = []
        for number, s in enumerate(specs, start=1):
            il, ii, rl, ri = s["figures"][-1]
            rows.append({
                **s["row"], "number": number, "inherent_likelihood": il, "inherent_impact": ii,
                "residual_likelihood": rl, "residual_impact": ri, "inherent_score": il * ii,
                "residual_score": rl * ri, "created_at": s["created"], "updated_at": s["stamps"][-1],
            })  # fmt: skip
            if rng.random() < 0.02:
                rows[-1]["archived_at"] = s["stamps"][-1] + timedelta(days=1)
        ids = bulk(Risk, rows)
        assessments, bearers, measures = [], [], []
        names4 = (
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
        )
        for rid, s, row in zip(ids, specs, rows, strict=True):
            owner = row["owner_id"]
            first = dict(zip(names4, s["figures"][0], strict=True))
            initial = {**row, **first, "inherent_score": first["inherent_likelihood"] * first["inherent_impact"],
                       "residual_score": first["residual_likelihood"] * first["residual_impact"],
                       "updated_at": row["created_at"], "archived_at": None}  # fmt: skip
            self.audit(row["created_at"], "create", "Risk", rid, created_changes(initial), owner)
            previous = initial
            for i, (stamp, figures) in enumerate(zip(s["stamps"], s["figures"], strict=True)):
                values = dict(zip(names4, figures, strict=True))
                assessments.append({
                    "risk_id": rid, **values, "assessed_by_id": owner if i == 0 else self.worker(),
                    "reason": "Eerste inschatting" if i == 0 else rng.choice(REASSESS_REASONS),
                    "assessed_at": stamp,
                })  # fmt: skip
                if i:
                    current = {**values,
                               "inherent_score": values["inherent_likelihood"] * values["inherent_impact"],
                               "residual_score": values["residual_likelihood"] * values["residual_impact"]}  # fmt: skip
                    changes = updated_changes({k: previous[k] for k in current}, current)
                    changes["updated_at"] = [plain(previous["updated_at"]), stamp.isoformat()]
                    self.audit(
                        stamp, "reassess", "Risk", rid, changes, assessments[-1]["assessed_by_id"]
                    )
                    previous = {**previous, **current, "updated_at": stamp}
            if row["archived_at"]:
                self.audit(row["archived_at"], "archive", "Risk", rid,
                           {"archived_at": [None, row["archived_at"].isoformat()]}, owner)  # fmt: skip
            bearers += [{"risk_id": rid, "organisation_id": o} for o in s["bearers"]]
            roll = rng.random()
            for _ in range(0 if roll < 0.4 else 1 if roll < 0.75 else 2):
                due = self.today + timedelta(days=rng.randint(-120, 240))
                status = ("gereed" if due < self.today and rng.random() < 0.6 else
                          rng.choice(("gepland", "in_uitvoering", "in_uitvoering", "vervallen")))  # fmt: skip
                measures.append({
                    "partnership_id": self.pid, "risk_id": rid, "description": rng.choice(MEASURES),
                    "owner_id": self.known["programmamanager"] if rng.random() < 0.08 else self.worker(),
                    "due_on": due, "status": status,
                    "agreement_id": rng.choice(self.active_agreements)
                    if self.active_agreements and rng.random() < 0.35 else None,
                    "created_at": self.between(row["created_at"], row["updated_at"]),
                })  # fmt: skip
        bulk(RiskAssessment, assessments, returning=False)
        bulk(RiskBearer, bearers, returning=False)
        for mid, m in zip(bulk(Measure, measures), measures, strict=True):
            self.audit(m["created_at"], "create", "Measure", mid, created_changes(m), m["owner_id"])
        when = {rid: s["created"] for rid, s in zip(ids, specs, strict=True)}
        self.links("risk", "threatens", [(rid, s["principles"]) for rid, s in zip(ids, specs, strict=True)],
                   when.__getitem__)  # fmt: skip

    # --- thematic tables ------------------------------------------------------------------------------

    def tables(self) -> None:
        rng = self.rng
        p = self.plan
        takers = [u for r in ("teamlid", "partner", "programmamanager", "bestuurder", "beheerder")
                  for u in self.by_role[r]]  # fmt: skip
        tables, members_of = [], []
        for t in range(p.tables):
            theme = TABLE_THEMES[t % len(TABLE_THEMES)]
            area = TABLE_AREAS[(t // len(TABLE_THEMES)) % len(TABLE_AREAS)]
            suffix = f" ({t // (len(TABLE_THEMES) * len(TABLE_AREAS)) + 1})" if t >= 100 else ""
            chair = (
                self.known["programmamanager"]
                if t == 0
                else self.pick(("programmamanager", "teamlid"))
            )
            created_at = (self.at(self.start, 10) if t == 0
                          else self.at(self.start + timedelta(days=rng.randint(0, 900))))  # fmt: skip
            tables.append({
                "partnership_id": self.pid, "name": f"{theme}{area}{suffix}",
                "theme": f"Thematafel over {theme.lower()}: knelpunten uit de praktijk, samen opgelost.",
                "goal": "Concrete werkafspraken en signalen voor het sturingsoverleg.",
                "chair_id": chair, "status": "afgerond" if t and rng.random() < 0.1 else "actief",
                "created_at": created_at,
            })  # fmt: skip
            size = min(len(takers), rng.randint(8, 20))
            members = set(rng.sample(takers, size)) | {chair}
            for role in ("beheerder", "programmamanager", "teamlid", "partner"):
                if t == 0 or rng.random() < 0.25:
                    members.add(self.known[role])
            if t == 0 or rng.random() < 0.2:
                members.add(self.known["bestuurder"])
            members_of.append(sorted(members))
        table_ids = bulk(ThematicTable, tables)
        member_rows = [
            {"table_id": tid, "user_id": uid, "added_at": table["created_at"]}
            for tid, table, members in zip(table_ids, tables, members_of, strict=True)
            for uid in members
        ]
        member_ids = bulk(TableMember, member_rows)
        for tid, table in zip(table_ids, tables, strict=True):
            self.audit(
                table["created_at"],
                "create",
                "ThematicTable",
                tid,
                created_changes(table),
                table["chair_id"],
            )
        for mid, m in zip(member_ids, member_rows, strict=True):
            self.audit(m["added_at"], "create", "TableMember", mid, created_changes(m))
        self.table_ids = table_ids

        # Conversations: the big one first, then the others over the tables.
        big_start = self.now - timedelta(days=700)
        conversations = [{
            "table": 0, "title": BIG_CONVERSATION, "created_at": big_start, "closed_at": None,
            "comments": p.big_conversation,
            "introduction": "De wachttijden lopen op in alle gemeenten. Wat zien jullie in de "
            "praktijk, en wat kunnen we samen doen? Alle signalen zijn welkom (demo).",
        }]  # fmt: skip
        sizes = _split(p.comments - p.big_conversation, p.conversations, rng)
        for size in sizes:
            t = rng.randrange(len(tables))
            opened = self.between(
                tables[t]["created_at"] + timedelta(days=1), self.now - timedelta(days=3)
            )
            closed = None
            if tables[t]["status"] == "afgerond" or rng.random() < 0.2:
                closed = self.between(opened + timedelta(days=7), self.now - timedelta(days=1))
            conversations.append({
                "table": t, "created_at": opened, "closed_at": closed, "comments": size,
                "title": rng.choice(CONVERSATION_TITLES).format(x=rng.choice(TOPICS))[:200],
                "introduction": f"{rng.choice(OPENERS)} Graag jullie ervaringen hiermee.",
            })  # fmt: skip
        rows = []
        for c in conversations:
            t = c["table"]
            closer = tables[t]["chair_id"]
            rows.append({
                "partnership_id": self.pid, "table_id": table_ids[t], "title": c["title"],
                "introduction": c["introduction"], "author_id": rng.choice(members_of[t]),
                "status": "gesloten" if c["closed_at"] else "open",
                "conclusion": rng.choice(CONCLUSIONS) if c["closed_at"] else "",
                "closed_at": c["closed_at"], "closed_by_id": closer if c["closed_at"] else None,
                "comment_count": 0, "top_level_count": 0, "last_comment_id": 0,
                "last_comment_at": None,
                "agreement_id": None, "created_at": c["created_at"],
            })  # fmt: skip
        conversation_ids = bulk(Conversation, rows)
        events = []
        for cid, row in zip(conversation_ids, rows, strict=True):
            initial = {
                **row,
                "status": "open",
                "conclusion": "",
                "closed_at": None,
                "closed_by_id": None,
            }
            self.audit(
                row["created_at"],
                "create",
                "Conversation",
                cid,
                created_changes(initial),
                row["author_id"],
            )
            if row["closed_at"]:
                events.append({"conversation_id": cid, "action": "close", "text": row["conclusion"],
                               "user_id": row["closed_by_id"], "at": row["closed_at"]})  # fmt: skip
                self.audit(row["closed_at"], "close", "Conversation", cid,
                           {"status": ["open", "gesloten"], "conclusion": [None, row["conclusion"]]},
                           row["closed_by_id"])  # fmt: skip
        bulk(ConversationEvent, events, returning=False)
        self.big_conversation_id = conversation_ids[0]
        self._comments(conversations, rows, conversation_ids, members_of)
        self._meetings(tables, table_ids, members_of)

    def _comments(self, conversations, rows, conversation_ids, members_of) -> None:
        """Comments per conversation, inserted in batches of whole conversations (so memory
        stays bounded at factor 10): top-level comments first, then the replies to them."""
        handles = {uid: self.users[uid]["email"].split("@", 1)[0] for uid in self.users}
        batch: list[int] = []
        pending = 0
        for index, c in enumerate(conversations):
            batch.append(index)
            pending += c["comments"]
            if pending >= 4 * CHUNK or index == len(conversations) - 1:
                self._comment_batch(
                    batch, conversations, rows, conversation_ids, members_of, handles
                )
                batch, pending = [], 0

    def _comment_batch(self, batch, conversations, rows, conversation_ids, members_of, handles):
        rng = self.rng
        top, replies = [], []  # (conversation index, row, index of the parent in top, mention)
        for index in batch:
            c = conversations[index]
            members = [u for u in members_of[c["table"]] if self.users[u]["role"] != "lezer"]
            end = c["closed_at"] or self.now - timedelta(minutes=30)
            moments = sorted(self.between(c["created_at"] + timedelta(minutes=20), end)
                             for _ in range(c["comments"]))  # fmt: skip
            tops_here: list[int] = []
            for position, moment in enumerate(moments):
                author = rng.choice(members)
                body = f"{rng.choice(OPENERS)} {rng.choice(MIDDLES).capitalize()}. {rng.choice(CLOSERS)}".strip()
                mention = None
                # The last comments of the big conversation mention known logins (unseen).
                recent = index == 0 and position >= len(moments) - 6
                if len(members) > 1 and (rng.random() < 0.02 or recent):
                    targets = [u for u in members if u != author]
                    if recent:
                        known = [self.known[r] for r in ("beheerder", "teamlid")
                                 if self.known[r] in targets]  # fmt: skip
                        targets = known or targets
                    mention = rng.choice(targets)
                    body = f"@{handles[mention]} {body}"
                row = {
                    "conversation_id": conversation_ids[index], "parent_id": None,
                    "author_id": author, "body": body, "created_at": moment,
                    "edited_at": moment + timedelta(minutes=4) if rng.random() < 0.02 else None,
                    "hidden_at": None, "hidden_by_id": None, "hidden_reason": "",
                }  # fmt: skip
                if rng.random() < 0.003:
                    row["hidden_at"] = moment + timedelta(hours=2)
                    row["hidden_by_id"] = (
                        rows[index]["closed_by_id"] or self.known["programmamanager"]
                    )
                    row["hidden_reason"] = "Bevat mogelijk herleidbare informatie over een gezin."
                if tops_here and rng.random() < 0.25:
                    replies.append((index, row, rng.choice(tops_here[-10:]), mention))
                else:
                    tops_here.append(len(top))
                    top.append((index, row, None, mention))
        top_ids = bulk(Comment, [row for _, row, _, _ in top])
        for _, row, parent, _ in replies:
            row["parent_id"] = top_ids[parent]
        reply_ids = bulk(Comment, [row for _, row, _, _ in replies])

        totals: dict[int, int] = defaultdict(int)
        tops = Counter(index for index, _, _, _ in top)
        last_id: dict[int, int] = defaultdict(int)
        last_at: dict[int, datetime] = {}
        tops_of: dict[int, list[int]] = defaultdict(list)
        mentions, revisions = [], []
        recent = self.now - timedelta(days=30)
        for (index, row, _, mention), cid in [*zip(top, top_ids, strict=True),
                                              *zip(replies, reply_ids, strict=True)]:  # fmt: skip
            totals[index] += 1
            last_id[index] = max(last_id[index], cid)
            if index not in last_at or row["created_at"] > last_at[index]:
                last_at[index] = row["created_at"]
            if row["parent_id"] is None:
                tops_of[index].append(cid)
            self.audit(
                row["created_at"], "create", "Comment", cid, created_changes(row), row["author_id"]
            )
            if row["edited_at"]:
                revisions.append({"comment_id": cid, "body": row["body"] + " (eerdere versie)",
                                  "replaced_at": row["edited_at"]})  # fmt: skip
                self.audit(row["edited_at"], "update", "Comment", cid,
                           {"body": ["…", "…"], "edited_at": [None, row["edited_at"].isoformat()]},
                           row["author_id"])  # fmt: skip
            if row["hidden_at"]:
                self.audit(row["hidden_at"], "hide", "Comment", cid,
                           {"hidden_at": [None, row["hidden_at"].isoformat()],
                            "hidden_by_id": [None, row["hidden_by_id"]],
                            "hidden_reason": ["", row["hidden_reason"]]}, row["hidden_by_id"])  # fmt: skip
            if mention:
                mentions.append({
                    "comment_id": cid, "conversation_id": row["conversation_id"],
                    "partnership_id": self.pid, "user_id": mention, "created_at": row["created_at"],
                    "seen_at": row["created_at"] + timedelta(days=1) if row["created_at"] < recent else None,
                })  # fmt: skip
        bulk(Mention, mentions, returning=False)
        bulk(CommentRevision, revisions, returning=False)
        # The counters post_comment() keeps, set once (a Core executemany by id).
        table = Conversation.__table__
        counted = [i for i in batch if totals[i]]
        if counted:
            db.session.execute(
                table.update().where(table.c.id == bindparam("cid")).values(
                    comment_count=bindparam("n"), top_level_count=bindparam("top"),
                    last_comment_id=bindparam("last_id"), last_comment_at=bindparam("last_at"),
                ),
                [{"cid": conversation_ids[i], "n": totals[i], "top": tops[i],
                  "last_id": last_id[i], "last_at": last_at[i]} for i in counted],
            )  # fmt: skip
        # Read markers: people read some conversations fully, some halfway, some not at all;
        # the known logins are behind in the big conversation.
        markers = []
        known = set(self.known.values())
        for index in counted:
            tops = tops_of[index]
            for uid in members_of[conversations[index]["table"]]:
                roll = rng.random()
                if index == 0 and uid in known:
                    read = tops[len(tops) * 9 // 10]
                elif roll < 0.45:
                    read = last_id[index]
                elif roll < 0.6:
                    read = tops[len(tops) // 2]
                else:
                    continue
                markers.append({"user_id": uid, "conversation_id": conversation_ids[index],
                                "last_read_comment_id": read})  # fmt: skip
        bulk(ReadMarker, markers, returning=False)

    def _meetings(self, tables, table_ids, members_of) -> None:
        rng = self.rng
        meetings, attendees_of = [], []
        for _ in range(self.plan.meetings):
            t = rng.randrange(len(tables))
            future = tables[t]["status"] == "actief" and rng.random() < 0.25
            if future:
                day = self.today + timedelta(days=rng.randint(1, 90))
            else:
                day = self.between(
                    tables[t]["created_at"] + timedelta(days=14), self.now - timedelta(days=1)
                ).date()
            starts = datetime.combine(day, time(rng.choice((8, 9, 12, 13)), 0))
            theme = tables[t]["name"]
            meetings.append({
                "partnership_id": self.pid, "table_id": table_ids[t],
                "title": f"Bijeenkomst thematafel {theme}"[:200], "starts_at": starts,
                "ends_at": starts + timedelta(hours=2), "place": rng.choice(PLACES),
                "agenda": "1. Opening en mededelingen\n2. Signalen uit de praktijk\n3. Voortgang werkafspraken\n4. Rondvraag",
                "minutes": "" if future else "Signalen besproken; zie de besluiten hieronder. (demo)",
                "created_by_id": tables[t]["chair_id"],
                "created_at": starts - timedelta(days=rng.randint(14, 40)),
            })  # fmt: skip
            attendees_of.append((t, future))
        ids = bulk(Meeting, meetings)
        attendees, decisions = [], []
        for mid, m, (t, future) in zip(ids, meetings, attendees_of, strict=True):
            self.audit(
                m["created_at"], "create", "Meeting", mid, created_changes(m), m["created_by_id"]
            )
            for uid in members_of[t]:
                attendees.append({"meeting_id": mid, "user_id": uid,
                                  "present": None if future else rng.random() < 0.85})  # fmt: skip
            if not future:
                for _ in range(rng.randint(0, 2)):
                    decisions.append({
                        "meeting_id": mid, "text": rng.choice(MEETING_DECISIONS),
                        "owner_id": rng.choice(members_of[t]) if rng.random() < 0.7 else None,
                        "agreement_id": None, "created_at": m["ends_at"],
                    })  # fmt: skip
        bulk(MeetingAttendee, attendees, returning=False)
        for did, d in zip(bulk(MeetingDecision, decisions), decisions, strict=True):
            self.audit(d["created_at"], "create", "MeetingDecision", did, created_changes(d))

    # --- reviews ---------------------------------------------------------------------------------------

    def reviews(self) -> None:
        rng = self.rng
        p = self.plan
        purge_before = self.now - timedelta(days=round(RETENTION_MONTHS * 30.44))
        specs = []
        for i in range(p.reviews + p.concept_reviews):
            final = i < p.reviews
            if final:
                held = self.days_ago(3, (self.today - self.start).days)
                org = rng.choice(self.providers if rng.random() < 0.7 else self.municipal)
            else:
                held = self.days_ago(0, 40)
                # The known team member's organisation has concepts to finish.
                org = (
                    self.users[self.known["teamlid"]]["org"]
                    if i % 2 == 0
                    else rng.choice(self.providers)
                )
            specs.append({"held": held, "final": final, "org": org})
        specs.sort(key=lambda s: (s["held"], not s["final"]))
        rows = []
        for number, s in enumerate(specs, start=1):
            quality = rng.random() < 0.3
            authors = [u for u in self.by_org[s["org"]]
                       if self.users[u]["role"] in ("teamlid", "programmamanager")]  # fmt: skip
            author = rng.choice(authors) if authors else self.known["teamlid"]
            if not s["final"] and s["org"] == self.users[self.known["teamlid"]]["org"]:
                author = self.known["teamlid"]
            place = rng.choice(MUNICIPALITIES[: max(1, len(self.municipal) - 1)])
            created_at = self.at(s["held"], 15)
            finalised = created_at + timedelta(days=rng.randint(1, 3)) if s["final"] else None
            finalised = min(finalised, self.now) if finalised else None
            title = (rng.choice(QUALITY_TITLES) if quality else rng.choice(CASE_TITLES).format(
                n=rng.randint(2, 5), age=rng.randint(12, 17)))  # fmt: skip
            row = {
                "partnership_id": self.pid, "number": number,
                "kind": "kwaliteitsreview" if quality else "casusbespreking",
                "held_on": s["held"], "organisation_id": s["org"],
                "team": f"{rng.choice(TEAMS)} {place}-{rng.choice(COMPASS)}",
                "participants": "jeugdprofessional\ngedragswetenschapper\nwijkteammedewerker\nteamleider",
                "title": title, "case_description": rng.choice(CASE_DESCRIPTIONS),
                "aims": dict(AIM_TEXTS) if quality else {}, "went_well": rng.choice(WENT_WELL),
                "could_be_better": rng.choice(COULD_BE_BETTER),
                "status": "vastgesteld" if s["final"] else "concept", "created_by_id": author,
                "created_at": created_at, "finalised_at": finalised,
                "finalised_by_id": author if s["final"] else None, "purged_at": None,
            }  # fmt: skip
            if finalised and finalised < purge_before:
                row.update(case_description="", aims={}, went_well="", could_be_better="",
                           purged_at=finalised + timedelta(days=round(RETENTION_MONTHS * 30.44)))  # fmt: skip
            rows.append(row)
        ids = bulk(Review, rows)
        scores, lessons, score_links = [], [], []
        for rid, row in zip(ids, rows, strict=True):
            author = row["created_by_id"]
            self.audit(row["created_at"], "create", "Review", rid,
                       {"title": [None, row["title"]], "kind": [None, row["kind"]]}, author)  # fmt: skip
            chosen = rng.sample(
                self.principles,
                rng.randint(min(4, len(self.principles)), min(8, len(self.principles))),
            )
            values = {}
            for pid in chosen:
                score = None if rng.random() < 0.08 else rng.choice((1, 2, 3, 3, 4, 4, 4, 5))
                values[str(pid)] = score
                scores.append({"review_id": rid, "principle_id": pid, "score": score,
                               "explanation": rng.choice(SCORE_EXPLANATIONS)})  # fmt: skip
            scored_at = row["created_at"] + timedelta(hours=1)
            self.audit(scored_at, "score", "Review", rid, {"scores": [None, values]}, author)
            for _ in range(rng.choice((1, 2, 2, 3))):
                level = rng.choices((1, 2, 3), weights=(55, 33, 12))[0]
                action = row["status"] == "vastgesteld" and rng.random() < 0.1
                lessons.append({
                    "partnership_id": self.pid, "review_id": rid, "text": rng.choice(LESSONS[level]),
                    "level": level, "arena": rng.choice(ARENAS_BY_LEVEL[level]),
                    "follow_up": "action" if action else "none",
                    "action_owner_id": self.worker() if action else None,
                    "action_due_on": row["held_on"] + timedelta(days=rng.randint(45, 150)) if action else None,
                    "target_agreement_id": None, "target_principle_id": None, "target_table_id": None,
                    "proposal_title": "", "proposal_text": "", "action_id": None,
                    "agreement_comment_id": None, "change_proposal_id": None, "conversation_id": None,
                    "created_at": scored_at + timedelta(minutes=10),
                    "_principles": rng.sample(self.principles, rng.randint(0, 2)) if rng.random() < 0.4 else [],
                    "_review": row, "_number": row["number"],
                })  # fmt: skip
            if row["status"] == "vastgesteld":
                score_links.append((rid, [int(k) for k, v in values.items() if v]))
                self.audit(row["finalised_at"], "finalise", "Review", rid,
                           {"status": ["concept", "vastgesteld"]}, author)  # fmt: skip
                if row["purged_at"]:
                    self.audit(row["purged_at"], "purge", "Review", rid,
                               {"case_details": ["…", None], "retention_months": [None, RETENTION_MONTHS]})  # fmt: skip
        bulk(ReviewScore, scores, returning=False)
        # Actions made by finalising: one per lesson with follow-up "action".
        actions = []
        for lesson in lessons:
            if lesson["follow_up"] != "action":
                continue
            review = lesson["_review"]
            due = lesson["action_due_on"]
            status = (rng.choice(("gereed", "gereed", "vervallen", "open")) if due < self.today
                      else rng.choice(("open", "open", "in_uitvoering")))  # fmt: skip
            actions.append({
                "partnership_id": self.pid, "title": lesson["text"],
                "owner_id": lesson["action_owner_id"], "due_on": due, "status": status,
                "source_label": f"Leerpunt uit CR-{review['number']} {review['title']}"[:300],
                "created_at": review["finalised_at"],
            })  # fmt: skip
        action_ids = iter(bulk(Action, actions))
        for lesson in lessons:
            if lesson["follow_up"] == "action":
                lesson["action_id"] = next(action_ids)
        lesson_rows = [
            {k: v for k, v in lesson.items() if not k.startswith("_")} for lesson in lessons
        ]
        lesson_ids = bulk(Lesson, lesson_rows)
        for lid, lesson in zip(lesson_ids, lessons, strict=True):
            self.audit(lesson["created_at"], "create", "Lesson", lid,
                       {"level": [None, lesson["level"]], "arena": [None, lesson["arena"]],
                        "follow_up": [None, lesson["follow_up"]]}, lesson["_review"]["created_by_id"])  # fmt: skip
        finalised = {
            rid: row["finalised_at"] or row["created_at"]
            for rid, row in zip(ids, rows, strict=True)
        }
        self.links("review", "scores", score_links, finalised.__getitem__)
        lesson_review = {
            lid: lesson["created_at"] for lid, lesson in zip(lesson_ids, lessons, strict=True)
        }
        self.links("lesson", "cites",
                   [(lid, lesson["_principles"]) for lid, lesson in zip(lesson_ids, lessons, strict=True)],
                   lesson_review.__getitem__)  # fmt: skip
        # Finalising adds a review to the overview's tallies; bulk rows are added up here.
        rebuild_tallies(self.pid)

    # --- indicators and cycles ------------------------------------------------------------------------

    def cycles(self) -> None:
        rng = self.rng
        p = self.plan
        municipal_pm = self.known["programmamanager"]
        provider_pms = [
            u for u in self.by_role["programmamanager"] if self.users[u]["org"] in self.providers
        ]
        provider_pm = provider_pms[0] if provider_pms else municipal_pm
        proposed_at = datetime.combine(self.start - timedelta(days=20), time(10, 0))
        indicators = []
        for i in range(p.indicators):
            name, unit, direction, target = INDICATORS[i % len(INDICATORS)]
            group = INDICATOR_GROUPS[(i // len(INDICATORS)) % len(INDICATOR_GROUPS)]
            suffix = f" ({i // (len(INDICATORS) * len(INDICATOR_GROUPS)) + 1})" if i >= 60 else ""
            quantitative = target is not None
            indicators.append({
                "partnership_id": self.pid, "name": f"{name}{group}{suffix}"[:200],
                "definition": f"{name}{group}, gemeten per halfjaar over de hele regio (demo-definitie).",
                "unit": unit, "source": "Registratie aanbieders en regionaal inkoopbureau",
                "direction": direction, "target": target,
                "target_text": "" if quantitative else "Open, gelijkwaardig, dilemma's tijdig op tafel",
                "kind": "kwantitatief" if quantitative else "kwalitatief",
                "owner_organisation_id": self.municipal[0],
                # The last few are still waiting for the other side's agreement.
                "status": "voorgesteld" if i >= p.indicators - max(1, p.indicators // 10) else "vastgesteld",
                "proposed_by_id": municipal_pm, "created_at": proposed_at,
            })  # fmt: skip
        indicator_ids = bulk(Indicator, indicators)
        approvals = []
        for iid, ind in zip(indicator_ids, indicators, strict=True):
            self.audit(
                ind["created_at"], "create", "Indicator", iid, created_changes(ind), municipal_pm
            )
            approvals.append({"indicator_id": iid, "user_id": municipal_pm,
                              "organisation_id": self.users[municipal_pm]["org"], "at": proposed_at})  # fmt: skip
            if ind["status"] == "vastgesteld" and provider_pm != municipal_pm:
                approvals.append({"indicator_id": iid, "user_id": provider_pm,
                                  "organisation_id": self.users[provider_pm]["org"],
                                  "at": proposed_at + timedelta(days=5)})  # fmt: skip
                self.audit(proposed_at + timedelta(days=5), "approve", "Indicator", iid,
                           {"status": ["voorgesteld", "vastgesteld"]}, provider_pm)  # fmt: skip
        bulk(IndicatorApproval, approvals, returning=False)
        adopted = [(iid, ind) for iid, ind in zip(indicator_ids, indicators, strict=True)
                   if ind["status"] == "vastgesteld"]  # fmt: skip

        # Cycles: half-years, the oldest first; the current one is running.
        periods = [self._half_year(back) for back in range(p.cycles - 1, -1, -1)]
        rows = []
        for number, (start, end) in enumerate(periods, start=1):
            running = number == len(periods)
            half = "eerste" if start.month == 1 else "tweede"
            # Submitted some weeks after the period, decided within days (never after now).
            submitted = None if running else min(self.at(end + timedelta(days=45), 10),
                                                 self.now - timedelta(days=9))  # fmt: skip
            rows.append({
                "partnership_id": self.pid, "number": number,
                "title": f"Evaluatie {half} halfjaar {start.year}", "period_from": start,
                "period_to": end, "phase": "monitoren" if running else "afgerond",
                "interpretation": "" if running else
                "De wachttijden dalen langzaam; de uitstroom naar lichte hulp blijft achter. (demo)",
                "dilemmas": "" if running else "Investeren in preventie of eerst de wachtlijsten wegwerken?",
                "submitted_at": submitted,
                "submitted_by_id": None if running else municipal_pm,
                "closed_at": None, "created_at": self.at(start + timedelta(days=3), 9),
            })  # fmt: skip
        cycle_ids = bulk(Cycle, rows)
        # Measurements: a slow walk towards each target.
        measurements, changes = [], []
        level = {iid: rng.uniform(1.1, 1.5) for iid, _ in adopted}
        for cid, row in zip(cycle_ids, rows, strict=True):
            running = row["phase"] == "monitoren"
            self.audit(
                row["created_at"], "create", "Cycle", cid, created_changes(row), municipal_pm
            )
            if running:
                entered = max(self.now - timedelta(days=rng.randint(1, 20)),
                              datetime.combine(row["period_from"], time(9, 0)))  # fmt: skip
            else:
                entered = min(self.at(row["period_to"] + timedelta(days=rng.randint(5, 25))),
                              row["submitted_at"] - timedelta(days=3))  # fmt: skip
            measured = []
            for iid, ind in adopted:
                if running and rng.random() > 0.7:
                    continue  # not all figures are in yet
                level[iid] = max(0.7, level[iid] - rng.uniform(-0.05, 0.08))
                if ind["kind"] == "kwantitatief":
                    factor = level[iid] if ind["direction"] == "lager" else 2 - level[iid]
                    number, text = round(ind["target"] * factor, 1), ""
                else:
                    number, text = None, rng.choice(QUALITATIVE_VALUES)
                measurements.append({
                    "cycle_id": cid, "indicator_id": iid, "value_number": number,
                    "value_text": text, "explanation": "(demo-cijfer)",
                    "entered_by_id": municipal_pm, "entered_at": entered,
                })  # fmt: skip
                measured.append(iid)
            self.audit(entered, "measurements", "Cycle", cid,
                       {"indicators": [None, sorted(measured)]}, municipal_pm)  # fmt: skip
            steps = [("voorbereiden", "monitoren", self.at(row["period_from"] + timedelta(days=7)))]
            if not running:
                steps += [
                    (
                        "monitoren",
                        "duiden",
                        min(
                            self.at(row["period_to"] + timedelta(days=30)),
                            row["submitted_at"] - timedelta(days=2),
                        ),
                    ),
                    ("duiden", "besluitvorming", row["submitted_at"]),
                ]
            for old, new, moment in steps:
                if moment > self.now:
                    continue
                changes.append({"cycle_id": cid, "from_phase": old, "to_phase": new,
                                "user_id": municipal_pm, "at": moment})  # fmt: skip
                action = "submit" if new == "besluitvorming" else "phase"
                self.audit(moment, action, "Cycle", cid, {"phase": [old, new]}, municipal_pm)
        bulk(Measurement, measurements, returning=False)

        # Closed cycles: proposals, the boards' decisions, an action from the first proposal.
        closed = [
            (cid, row)
            for cid, row in zip(cycle_ids, rows, strict=True)
            if row["phase"] == "afgerond"
        ]
        actions, proposals = [], []
        for _, row in closed:
            decided_by = min(row["submitted_at"] + timedelta(days=9), self.now)
            actions.append({
                "partnership_id": self.pid, "title": CYCLE_PROPOSALS[row["number"] % len(CYCLE_PROPOSALS)],
                "owner_id": municipal_pm, "due_on": decided_by.date() + timedelta(days=90),
                "status": "gereed" if decided_by.date() + timedelta(days=90) < self.today else "open",
                "source_label": f"Bestuurlijk besluit over C-{row['number']} {row['title']}"[:300],
                "created_at": decided_by,
            })  # fmt: skip
        action_ids = bulk(Action, actions)
        for (cid, row), aid, action in zip(closed, action_ids, actions, strict=True):
            self.audit(
                action["created_at"], "create", "Action", aid, created_changes(action), municipal_pm
            )
            for position in range(1, 4):
                proposals.append({
                    "cycle_id": cid, "position": position,
                    "text": CYCLE_PROPOSALS[(row["number"] + position - 1) % len(CYCLE_PROPOSALS)],
                    "action_id": aid if position == 1 else None, "agreement_id": None,
                })  # fmt: skip
            self.audit(row["submitted_at"] - timedelta(days=2), "interpret", "Cycle", cid,
                       {"proposals": [None, 3]}, municipal_pm)  # fmt: skip
        proposal_ids = bulk(CycleProposal, proposals)
        by_cycle = defaultdict(list)
        for pid, proposal in zip(proposal_ids, proposals, strict=True):
            by_cycle[proposal["cycle_id"]].append(pid)
        deciders = sorted(self.bestuurder_of.items(), key=lambda item: self.org_name[item[0]])
        decisions, closing = [], {}
        for cid, row in closed:
            last = row["submitted_at"]
            for org, uid in deciders:
                moment = min(row["submitted_at"] + timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 5)),
                             self.now - timedelta(hours=1))  # fmt: skip
                last = max(last, moment)
                roll = rng.random()
                decision = ("vastgesteld" if roll < 0.75 else "vastgesteld_met_opmerkingen"
                            if roll < 0.95 else "niet_vastgesteld")  # fmt: skip
                decisions.append({
                    "cycle_id": cid, "organisation_id": org, "user_id": uid, "decision": decision,
                    "comment": "Met dank aan de programmamanagers." if decision != "vastgesteld" else "",
                    "reason": "De cijfers over de wachttijden zijn onvolledig." if decision == "niet_vastgesteld" else "",
                    "votes": {str(p): "akkoord" if rng.random() < 0.85 else "niet_akkoord" for p in by_cycle[cid]},
                    "at": moment,
                })  # fmt: skip
            closing[cid] = last
            changes.append({"cycle_id": cid, "from_phase": "besluitvorming", "to_phase": "afgerond",
                            "user_id": deciders[-1][1] if deciders else municipal_pm, "at": last})  # fmt: skip
        for did, d in zip(bulk(BoardDecision, decisions), decisions, strict=True):
            self.audit(
                d["at"],
                "decide",
                "BoardDecision",
                did,
                {"decision": [None, d["decision"]]},
                d["user_id"],
            )
        for cid, moment in closing.items():
            self.audit(moment, "close", "Cycle", cid, {"phase": ["besluitvorming", "afgerond"]})
        bulk(PhaseChange, changes, returning=False)
        self._freeze(closed, closing, deciders)

    def _freeze(self, closed, closing, deciders) -> None:
        """The summary each closed cycle froze when it was submitted, composed by the cycles
        service over the data now in the database (a fixed number of queries per cycle)."""
        for cid, row in closed:
            cycle = db.session.get(Cycle, cid)
            snapshot = fresh_summary(cycle)
            snapshot["deciders"] = [{"id": org, "name": self.org_name[org]} for org, _ in deciders]
            snapshot["frozen_at"] = row["submitted_at"].isoformat()
            db.session.execute(
                update(Cycle)
                .where(Cycle.id == cid)
                .values(snapshot=snapshot, closed_at=closing[cid])
            )
            db.session.expunge(cycle)


def counts(partnership_id: int) -> dict[str, int]:
    """What the partnership holds, for the summary (and the tests)."""

    def n(query) -> int:
        return db.session.execute(query).scalar_one()

    pid = partnership_id
    conversations = select(Conversation.id).where(Conversation.partnership_id == pid)
    return {
        "organisations": n(select(func.count(Participation.id)).where(Participation.partnership_id == pid)),
        "members": n(select(func.count(Membership.id)).where(Membership.partnership_id == pid)),
        "principles": n(select(func.count(Principle.id)).where(Principle.partnership_id == pid)),
        "agreements": n(select(func.count(Agreement.id)).where(Agreement.partnership_id == pid)),
        "agreement_versions": n(
            select(func.count(AgreementVersion.id)).join(Agreement).where(Agreement.partnership_id == pid)
        ),
        "risks": n(select(func.count(Risk.id)).where(Risk.partnership_id == pid)),
        "assessments": n(
            select(func.count(RiskAssessment.id)).join(Risk).where(Risk.partnership_id == pid)
        ),
        "measures": n(select(func.count(Measure.id)).where(Measure.partnership_id == pid)),
        "tables": n(select(func.count(ThematicTable.id)).where(ThematicTable.partnership_id == pid)),
        "conversations": n(select(func.count()).select_from(conversations.subquery())),
        "comments": n(select(func.count(Comment.id)).where(Comment.conversation_id.in_(conversations))),
        "comments_in_big_conversation": n(
            select(func.count(Comment.id))
            .join(Conversation, Conversation.id == Comment.conversation_id)
            .where(Conversation.partnership_id == pid, Conversation.title == BIG_CONVERSATION)
        ),
        "meetings": n(select(func.count(Meeting.id)).where(Meeting.partnership_id == pid)),
        "reviews_finalised": n(
            select(func.count(Review.id)).where(Review.partnership_id == pid, Review.status == "vastgesteld")
        ),
        "reviews_concept": n(
            select(func.count(Review.id)).where(Review.partnership_id == pid, Review.status == "concept")
        ),
        "lessons": n(select(func.count(Lesson.id)).where(Lesson.partnership_id == pid)),
        "actions": n(select(func.count(Action.id)).where(Action.partnership_id == pid)),
        "indicators": n(select(func.count(Indicator.id)).where(Indicator.partnership_id == pid)),
        "cycles": n(select(func.count(Cycle.id)).where(Cycle.partnership_id == pid)),
        "audit_events": n(select(func.count(AuditEvent.id)).where(AuditEvent.partnership_id == pid)),
    }  # fmt: skip


LABELS = {
    "organisations": "organisaties", "members": "leden", "principles": "uitgangspunten",
    "agreements": "werkafspraken", "agreement_versions": "versies van werkafspraken",
    "risks": "risico's", "assessments": "risico-inschattingen", "measures": "beheersmaatregelen",
    "tables": "thematafels", "conversations": "gesprekken", "comments": "reacties",
    "comments_in_big_conversation": f"reacties in “{BIG_CONVERSATION}”",
    "meetings": "bijeenkomsten", "reviews_finalised": "vastgestelde reviews",
    "reviews_concept": "conceptreviews", "lessons": "leerpunten", "actions": "acties",
    "indicators": "indicatoren", "cycles": "cycli", "audit_events": "audit-gebeurtenissen",
}  # fmt: skip

REFUSAL = (
    "De database bevat al een samenwerkingsverband; er is niets geschreven. "
    "`flask seed scale` vult alleen een lege, net gemigreerde database. Gebruik een aparte "
    "database, bijvoorbeeld:\n"
    "  DATABASE_URL=sqlite:///$PWD/instance/scale-1.db flask db upgrade\n"
    "  DATABASE_URL=sqlite:///$PWD/instance/scale-1.db flask seed scale --factor 1"
)


def load_scale(factor: float) -> dict[str, int] | None:
    """Fill an empty database; None (and nothing written) when it holds a partnership."""
    if db.session.execute(select(func.count(Partnership.id))).scalar_one():
        return None
    try:
        result = ScaleLoader(factor).run()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result


def index_for_search() -> int:
    """Rebuild the search index: the bulk inserts bypass the session hook that indexes ORM
    changes. Returns the number of documents."""
    indexed = reindex_all()
    db.session.commit()
    return indexed


@click.command("scale")
@with_appcontext
@click.option(
    "--factor", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
    help="Multiplies every count (1: 1,000 agreements, 100,000 comments, ...).",
)  # fmt: skip
def scale_command(factor: float) -> None:
    """Fill an empty database with one large demo partnership (slug 'schaal') for load tests."""
    started = clock.perf_counter()
    result = load_scale(factor)
    if result is None:
        click.echo(REFUSAL, err=True)
        raise click.exceptions.Exit(1)
    loaded = clock.perf_counter()
    indexed = index_for_search()
    done = clock.perf_counter()

    def seconds(value: float) -> str:
        return f"{value:.1f}".replace(".", ",") + " s"

    click.echo(f"Schaaldata geladen: “{NAME}” (/p/{SLUG}/), factor {factor:g}.")
    width = max(len(label) for label in LABELS.values())
    for key, number in result.items():
        click.echo(f"  {LABELS[key]:<{width}}  {number:>9,}".replace(",", "."))
    click.echo(f"Inloggen: beheerder@{DOMAIN} (en de andere rollen) met wachtwoord {PASSWORD}.")
    if indexed is not None:
        documents = f"{indexed:,}".replace(",", ".")
        click.echo(f"Zoekindex opgebouwd: {documents} documenten in {seconds(done - loaded)}.")
    click.echo(f"Klaar in {seconds(done - started)} (laden {seconds(loaded - started)}).")


__all__ = ["Plan", "ScaleLoader", "counts", "load_scale", "plan", "scale_command"]
