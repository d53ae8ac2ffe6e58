"""The demo stories, as data.

Written for Newsflow: the people, companies, clubs, towns and the Almeda river are invented, and
no text was taken from anywhere. Each `DemoStory` holds the fields of a `Story` (without photos,
related links or embargo, which `load.py` fills in when it loads them) plus what the desk does to it
after publishing: an update, a correction or a kill. `related` names other demo stories by key.

Texts are written as indented triple-quoted strings: runs of whitespace collapse to one space, a
blank line separates paragraphs of a body, and a paragraph starting with "## " is a sub-heading.
"""

# Turkish text is full of the dotless i, which RUF001 takes for a confusable Latin i.
# ruff: noqa: RUF001

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from newsflow.model import Concept, Contributor, ItemKind, Role

AGENCY = "Newsflow Agency"
FLOODS = "Almeda Delta Floods"

# Desk categories, as the seed article lists them.
WORLD, EUROPE, ASIA, AMERICAS, AFRICA = "World", "Europe", "Asia - Pacific", "Americas", "Africa"
MIDEAST, ECONOMY, SCIENCE, SPORTS, CULTURE = "Middle East", "Economy", "Science", "Sports", "Culture"


@dataclass(frozen=True)
class DemoPhoto:
    """One media object: a gallery picture (generated from `seed` at load time), a graphic (a bar chart
    of `chart`), or a video or audio clip of `seconds` (made with ffmpeg at load time, see clips.py)."""

    title: str
    caption: str
    photographer: str
    alt: str
    seed: str | None = None  # stories that share a seed share one uploaded image
    kind: ItemKind = ItemKind.picture
    chart: tuple[tuple[str, float], ...] = ()  # a graphic's bars: (label, value)
    unit: str = ""  # what a graphic's values count
    seconds: float = 0.0  # a clip's length

    @property
    def credit(self) -> str:
        return f"{AGENCY} / {self.photographer}"


@dataclass(frozen=True)
class FollowUp:
    """A change made after publishing: an update (note optional) or a correction (note required)."""

    changes: dict[str, Any]
    note: str | None = None
    after_hours: float = 2.0


@dataclass(frozen=True)
class DemoStory:
    key: str
    fields: dict[str, Any]
    photos: tuple[DemoPhoto, ...] = ()
    related: tuple[str, ...] = ()
    update: FollowUp | None = None
    correction: FollowUp | None = None
    kill: str | None = None  # the reason subscribers will read
    embargo_hours: float | None = None  # embargo = load time + this


# ---- helpers that keep the data below readable ---------------------------------------------------

_BLANK_LINE = re.compile(r"\n\s*\n")


def one_line(text: str) -> str:
    return " ".join(text.split())


def body(text: str) -> str:
    """Paragraphs separated by blank lines become <p>; a paragraph starting with "## " an <h2>."""
    out = []
    for block in _BLANK_LINE.split(text.strip()):
        line = html.escape(one_line(block), quote=False)
        if line.startswith("## "):
            out.append(f"<h2>{line[3:]}</h2>")
        elif line:
            out.append(f"<p>{line}</p>")
    return "\n".join(out)


def reporter(name: str, place: str) -> Contributor:
    return Contributor(name=name, role=Role.reporter, place=place)


def writer(name: str, place: str) -> Contributor:
    return Contributor(name=name, role=Role.writer, place=place)


def translator(name: str, place: str) -> Contributor:
    return Contributor(name=name, role=Role.translator, place=place)


def subject(code: str, label: str) -> Concept:
    """An IPTC Subject NewsCode (8 digits) with its English label."""
    return Concept(name=label, code=f"subj:{code}")


def concepts(*names: str) -> list[Concept]:
    return [Concept(name=name) for name in names]


def photo(title: str, caption: str, photographer: str, alt: str, seed: str | None = None) -> DemoPhoto:
    return DemoPhoto(title=one_line(title), caption=one_line(caption), photographer=photographer,
                     alt=one_line(alt), seed=seed)


def graphic(title: str, caption: str, photographer: str, alt: str, chart: tuple[tuple[str, float], ...],
            unit: str) -> DemoPhoto:
    return DemoPhoto(title=one_line(title), caption=one_line(caption), photographer=photographer,
                     alt=one_line(alt), kind=ItemKind.graphic, chart=chart, unit=unit)


def clip(kind: ItemKind, title: str, caption: str, maker: str, alt: str, seconds: float) -> DemoPhoto:
    return DemoPhoto(title=one_line(title), caption=one_line(caption), photographer=maker, alt=one_line(alt),
                     kind=kind, seconds=seconds)


def story(key: str, *, body_text: str, places: tuple[str, ...] = (), people: tuple[str, ...] = (),
          organisations: tuple[str, ...] = (), photos: tuple[DemoPhoto, ...] = (),
          related: tuple[str, ...] = (), update: FollowUp | None = None,
          correction: FollowUp | None = None, kill: str | None = None,
          embargo_hours: float | None = None, **fields: Any) -> DemoStory:
    for name in ("headline", "spot", "summary"):
        if isinstance(fields.get(name), str):
            fields[name] = one_line(fields[name])
    fields["body_html"] = body(body_text)
    fields["places"] = concepts(*places)
    fields["people"] = concepts(*people)
    fields["organisations"] = concepts(*organisations)
    return DemoStory(key=key, fields=fields, photos=photos, related=related, update=update,
                     correction=correction, kill=None if kill is None else one_line(kill),
                     embargo_hours=embargo_hours)


# ---- texts used twice: the flood update and the corrected comet story --------------------------------

_TOWNS_FIRST = """
    Floodwater from a breached levee on the Almeda river has cut road links to three towns in the
    delta, leaving rescue teams to reach stranded families by boat, district officials said.

    At least 18,000 people spent the night in schools, churches and a football stadium on higher
    ground, said Felisberto Langa, the administrator of Mucoro district. Two people were confirmed
    dead and several were missing.

    ## Boats and tractors

    Fishermen from the coast brought their wooden boats upriver to help emergency crews, who have only
    six motorboats for the whole district. In some streets of Vila Almeda, water stood at the height
    of a doorframe.

    "We are taking the elderly and children first. Many people do not want to leave their houses and
    animals," Langa said. Farmers drove tractors with trailers through shallower water to move
    families to the main road.

    ## More rain forecast

    The national weather service forecast a further 80 to 120 millimetres of rain over the upper
    catchment in the next 48 hours, which could raise river levels again before the breach can be
    closed.
"""

_TOWNS_UPDATED = """
    Floodwater in the Almeda river delta has cut road links to six towns after two more levees were
    overtopped during the night, and about 42,000 people are now sheltering on higher ground, district
    officials said.

    Five people have been confirmed dead and seven are missing, said Felisberto Langa, the
    administrator of Mucoro district. Most of the dead were swept away while trying to cross flooded
    roads on foot.

    ## Boats and tractors

    Fishermen from the coast have brought more than 60 wooden boats upriver to help emergency crews,
    who have only six motorboats for the whole district. In parts of Vila Almeda, water has reached
    the eaves of single-storey houses.

    "We are taking the elderly and children first. Many people do not want to leave their houses and
    animals," Langa said. Farmers drove tractors with trailers through shallower water to move
    families to the main road.

    ## Rain returns

    Rain resumed over the upper catchment in the afternoon, and the national weather service said a
    further 80 to 120 millimetres could fall in the next 48 hours, raising river levels again before
    the breach can be closed.

    Military helicopters dropped food and water to families stranded on rooftops in villages that
    boats could not reach because of strong currents.
"""


def _comet_text(name: str, size: int) -> str:
    return f"""
    Two amateur astronomers in Namibia have discovered a new comet, the first found from the country
    by non-professionals, after observatories in Chile and Australia confirmed their sighting.

    {name} and Johannes Shikongo spotted the faint, fuzzy object on images taken with a
    {size}-centimetre telescope on {name.split()[-1]}'s farm south of Windhoek, where the night sky is
    among the darkest in the world.

    ## Brighter in two months

    Orbit calculations show the comet is still beyond the orbit of Mars and moving towards the sun.
    Astronomers expect it to be visible with binoculars from the southern hemisphere in about two
    months, though the brightness of comets is notoriously hard to predict.

    "I checked the images three times because I did not believe it," said Shikongo, a schoolteacher
    who has photographed the sky for eleven years. "Then I phoned Ilse at two in the morning."

    ## Dark skies draw visitors

    Namibia's clear, dry air has made it a destination for astronomers, and several guest farms offer
    telescope nights to tourists. The new comet will carry the names of its discoverers.
    """


# ---- the stories, in the order they are published ---------------------------------------------------

STORIES: list[DemoStory] = [
    story(
        "world-cable-pact",
        headline="Thirty-one countries sign pact to protect undersea internet cables",
        spot="""Signatories agree to share information on damaged cables and to speed up permits for
            repair ships; cable operators welcome the move""",
        body_text="""
            Thirty-one countries signed an agreement in Reykjavik to protect the undersea cables that
            carry most of the world's internet traffic, committing to share information quickly when a
            cable is damaged and to cut red tape for repair ships.

            Under the pact, a repair vessel should receive permission to work in a signatory's waters
            within 48 hours. Operators say the process can now take weeks, leaving whole regions with
            slow connections or none at all.

            ## Hundreds of faults a year

            More than 150 faults are reported on undersea cables each year, most of them caused by
            fishing gear and ship anchors, according to an association of cable owners.

            "A cable that takes three weeks to fix instead of three days can cut an island off from its
            banks, its hospitals and its schools," said Sigrun Halldorsdottir, the Icelandic official
            who chaired the talks.

            ## Routes to be mapped

            The signatories also agreed to publish better maps of cable routes for fishing fleets, and
            to study protected corridors where trawling and anchoring would be restricted.

            The agreement is not binding. It will be reviewed in two years.
        """,
        categories=[WORLD, EUROPE],
        contributors=[reporter("Jonas Eiriksson", "Reykjavik"), writer("Hannah Whitcombe", "London")],
        dateline="REYKJAVIK, Iceland",
        subjects=[subject("11027000", "treaty"), subject("04003007", "telecommunication service"),
                  subject("04015004", "waterway and maritime transport")],
        places=("Reykjavik", "Iceland"),
        people=("Sigrun Halldorsdottir",),
        keywords=["undersea cables", "internet", "shipping", "agreement"],
        public=True,
        photos=(photo("Cable repair ship in harbour",
                      "A cable repair ship moored in Reykjavik harbour on the day the agreement was signed.",
                      "Jonas Eiriksson",
                      "A large white ship with a crane at its bow, moored at a quay under a pale sky."),),
    ),
    story(
        "almeda-levee",
        headline="FLASH: Levee gives way on Almeda river, town of 30,000 ordered to evacuate",
        spot="""Water pours through a 40-metre breach north of Vila Almeda after four days of heavy rain;
            residents told to move to higher ground""",
        body_text="""
            A flood-protection levee on the Almeda river collapsed before dawn north of the town of Vila
            Almeda, and district authorities ordered all 30,000 residents to move to higher ground
            immediately.

            Witnesses said water was flowing through a gap about 40 metres wide and had reached the
            first streets of the market district within an hour.

            There was no immediate word on casualties. More to follow.
        """,
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        slugline="MOZAMBIQUE-FLOODS/LEVEE",
        contributors=[reporter("Amelia Cossa", "Vila Almeda")],
        dateline="VILA ALMEDA, Mozambique",
        urgency=1,
        subjects=[subject("03005000", "flood"), subject("03014000", "emergency incident")],
        places=("Vila Almeda", "Almeda river", "Mozambique"),
        keywords=["flood", "levee", "evacuation"],
        public=True,
    ),
    story(
        "almeda-towns",
        headline="Floodwater cuts off three delta towns as levee breach widens",
        spot="""Rescue boats ferry families from rooftops around Vila Almeda; at least 18,000 people in
            temporary shelters, district officials say""",
        body_text=_TOWNS_FIRST,
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        slugline="MOZAMBIQUE-FLOODS/",
        contributors=[reporter("Amelia Cossa", "Vila Almeda")],
        dateline="VILA ALMEDA, Mozambique",
        urgency=3,
        subjects=[subject("03005000", "flood"), subject("03017000", "rescue")],
        places=("Vila Almeda", "Mucoro district", "Almeda river", "Mozambique"),
        people=("Felisberto Langa",),
        keywords=["flood", "rescue", "shelters", "levee"],
        public=True,
        photos=(
            photo("Rescue by boat",
                  """Fishermen use a wooden boat to carry a family and their belongings along a flooded
                  street in Vila Almeda.""",
                  "Carlos Tembe",
                  "A narrow wooden boat with five people and bundles moves between houses in brown water."),
            photo("School used as a shelter",
                  "Families rest on mats in a classroom used as a shelter "
                  "on higher ground outside Vila Almeda.",
                  "Carlos Tembe",
                  "A classroom with desks pushed to the walls and families sitting on mats on the floor."),
        ),
        related=("almeda-levee",),
        update=FollowUp(
            changes={
                "headline": "Almeda floods: six towns cut off, 42,000 in shelters as rain returns",
                "spot": "Two more levees overtopped overnight; death toll "
                        "rises to five, district officials say",
                "body_html": body(_TOWNS_UPDATED),
            },
            note="Updates throughout with new figures for towns cut off, people in shelters and deaths; "
                 "adds helicopter drops.",
            after_hours=5,
        ),
    ),
    story(
        "eu-rail-strike",
        headline="Portuguese rail workers strike over rosters, suburban trains halted",
        spot="""Most commuter services around Lisbon and Porto cancelled during a 24-hour stoppage; the
            union says talks with the operator have stalled""",
        body_text="""
            Most suburban trains around Lisbon and Porto were cancelled during a 24-hour strike by rail
            workers protesting against new shift rosters, leaving commuters to crowd onto buses and
            river ferries.

            The Union of Rail Crews said more than 90 percent of train drivers and conductors had joined
            the stoppage. The state operator said it had run the minimum services required by law on
            long-distance routes.

            ## Rosters at the heart of the dispute

            The union says the new rosters, introduced in the spring, have lengthened split shifts and
            cut rest time between night and morning duties. The operator says they were needed to run
            more trains at peak hours without staff it cannot yet find.

            "We are not asking for the moon. We are asking to sleep eight hours between shifts," union
            secretary Rui Antunes told reporters outside a Lisbon station.

            Talks broke down last week. The union said it would announce further strike days if no new
            meeting was scheduled by the end of the month.
        """,
        categories=[EUROPE],
        contributors=[reporter("Ines Carvalho", "Lisbon")],
        dateline="LISBON, Portugal",
        urgency=4,
        subjects=[subject("09008000", "strike"), subject("04015002", "railway")],
        places=("Lisbon", "Porto", "Portugal"),
        people=("Rui Antunes",),
        organisations=("Union of Rail Crews",),
        keywords=["strike", "rail", "commuters"],
        public=True,
        photos=(photo("Commuters at the ferry terminal",
                      "Commuters queue for a river ferry in Lisbon during the rail strike.",
                      "Rui Farinha",
                      "A long queue of people with bags and umbrellas outside a ferry terminal."),),
    ),
    story(
        "almeda-appeal-en",
        headline="Aid agencies seek $48 million as Almeda delta floods displace 60,000",
        spot="""Joint appeal covers shelter, clean water and seed for the next planting season; relief
            groups warn the water may take weeks to recede""",
        summary="""Eleven relief groups working in the flooded Almeda delta have launched a $48 million
            appeal. About 60,000 people have left their homes; the money is for shelter, clean water
            and seed for replanting.""",
        body_text="""
            Eleven relief organisations launched a joint appeal for 48 million dollars to help about
            60,000 people driven from their homes by floods in the Almeda river delta.

            The appeal, coordinated by the Delta Relief Network, covers three months of emergency
            shelter, water purification and cash for families who lost crops and livestock, as well as
            seed for the next planting season.

            ## Water to recede slowly

            "The delta is flat and the soil is already saturated. Some of these villages will be under
            water for weeks, not days," said Marta Siqueira, the network's coordinator in Quelimane.

            Engineers said the breach north of Vila Almeda would be difficult to close until river
            levels drop. Army engineers have begun placing rock-filled bags at both ends of the gap to
            stop it from widening.

            ## Schools used as shelters

            More than 140 schools in the delta are being used as shelters, and education officials said
            classes would not resume in the affected districts for at least a month.

            The government has released emergency funds and asked donor countries to speed up aid
            already pledged for flood defences on the river.
        """,
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        translation_group="almeda-appeal",
        contributors=[reporter("Amelia Cossa", "Quelimane"), writer("Daniel Okafor", "Nairobi")],
        dateline="QUELIMANE, Mozambique",
        urgency=3,
        subjects=[subject("03012000", "relief and aid organisation"), subject("03005000", "flood")],
        places=("Quelimane", "Vila Almeda", "Almeda river", "Mozambique"),
        people=("Marta Siqueira",),
        organisations=("Delta Relief Network",),
        keywords=["flood", "aid appeal", "humanitarian aid", "displaced people"],
        public=True,
        photos=(photo("Water for a shelter",
                      "Volunteers hand out jerrycans of clean water at a school used as a flood shelter.",
                      "Carlos Tembe",
                      "Volunteers in blue vests pass yellow jerrycans to a line of women and children.",
                      seed="almeda-water-distribution"),),
        related=("almeda-towns",),
    ),
    story(
        "almeda-appeal-tr",
        headline="Almeda deltasındaki sel için 48 milyon dolarlık yardım çağrısı",
        spot="""Yardım kuruluşları, evlerini terk etmek zorunda kalan 60 bin kişi için barınma, temiz su
            ve tohum desteği istiyor""",
        body_text="""
            On bir yardım kuruluşu, Almeda Nehri deltasındaki sel nedeniyle evlerini terk eden yaklaşık
            60 bin kişiye destek için 48 milyon dolarlık ortak bir yardım çağrısı başlattı.

            Delta Yardım Ağı'nın koordine ettiği çağrı; üç aylık acil barınma ve su arıtma ihtiyacının
            yanı sıra ekinlerini ve hayvanlarını kaybeden ailelere nakit yardımı ve bir sonraki ekim
            dönemi için tohumu kapsıyor.

            ## Suların çekilmesi haftalar sürebilir

            Ağın Quelimane koordinatörü Marta Siqueira, "Delta düz bir arazi ve toprak zaten suya doymuş
            durumda. Bu köylerin bir kısmı günlerce değil, haftalarca su altında kalacak" dedi.

            Mühendisler, Vila Almeda'nın kuzeyindeki set yarığının nehir seviyesi düşmeden
            kapatılmasının zor olacağını belirtti. Askeri mühendisler, yarığın genişlemesini önlemek
            için iki ucuna taş dolu torbalar yerleştirmeye başladı.

            ## Okullar barınak olarak kullanılıyor

            Deltadaki 140'tan fazla okul barınak olarak kullanılıyor. Eğitim yetkilileri, etkilenen
            ilçelerde derslerin en az bir ay boyunca yeniden başlamayacağını açıkladı.

            Hükümet acil durum fonlarını serbest bıraktı ve bağışçı ülkelerden nehirdeki sel önlemleri
            için daha önce söz verdikleri yardımı hızlandırmalarını istedi.
        """,
        language="tr",
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        translation_group="almeda-appeal",
        contributors=[reporter("Amelia Cossa", "Quelimane"), translator("Elif Karaca", "İstanbul")],
        dateline="QUELIMANE, Mozambik",
        subjects=[subject("03012000", "relief and aid organisation"), subject("03005000", "flood")],
        places=("Quelimane", "Vila Almeda", "Mozambik"),
        people=("Marta Siqueira",),
        organisations=("Delta Yardım Ağı",),
        keywords=["sel", "yardım çağrısı", "insani yardım"],
        public=True,
        photos=(photo("Barınakta su dağıtımı",
                      "Gönüllüler, sel barınağı olarak kullanılan bir okulda bidonlarla temiz su dağıtıyor.",
                      "Carlos Tembe",
                      "Mavi yelekli gönüllüler, kadın ve çocuklardan oluşan "
                      "bir sıraya sarı bidonlar uzatıyor.",
                      seed="almeda-water-distribution"),),
        related=("almeda-appeal-en",),
    ),
    story(
        "almeda-appeal-ar",
        headline="نداء إغاثة بقيمة 48 مليون دولار لمتضرري فيضانات دلتا نهر ألميدا",
        spot="""منظمات الإغاثة تطلب تمويلاً للمأوى والمياه النظيفة والبذور لنحو 60 ألف شخص نزحوا من
            منازلهم""",
        body_text="""
            أطلقت إحدى عشرة منظمة إغاثة نداءً مشتركاً لجمع 48 مليون دولار لمساعدة نحو 60 ألف شخص اضطروا
            إلى مغادرة منازلهم بسبب الفيضانات في دلتا نهر ألميدا.

            ويغطي النداء، الذي تنسقه شبكة إغاثة الدلتا، ثلاثة أشهر من المأوى الطارئ وتنقية المياه،
            ومساعدات نقدية للأسر التي فقدت محاصيلها ومواشيها، إضافة إلى البذور لموسم الزراعة المقبل.

            ## انحسار بطيء للمياه

            وقالت مارتا سيكيرا، منسقة الشبكة في مدينة كيليماني: "الدلتا أرض منبسطة والتربة مشبعة
            بالمياه أصلاً. بعض هذه القرى ستبقى تحت الماء لأسابيع وليس لأيام".

            وأوضح مهندسون أن إغلاق الثغرة في السد الترابي شمال فيلا ألميدا سيكون صعباً قبل انخفاض منسوب
            النهر، وقد بدأ مهندسون عسكريون بوضع أكياس مملوءة بالحجارة عند طرفي الثغرة لمنع اتساعها.

            ## المدارس تتحول إلى ملاجئ

            وتُستخدم أكثر من 140 مدرسة في الدلتا ملاجئ للنازحين، وقال مسؤولو التعليم إن الدراسة لن
            تُستأنف في المناطق المتضررة قبل شهر على الأقل.

            وأفرجت الحكومة عن أموال طوارئ، وطلبت من الدول المانحة تسريع المساعدات التي تعهدت بها سابقاً
            لتعزيز الحماية من الفيضانات على النهر.
        """,
        language="ar",
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        translation_group="almeda-appeal",
        contributors=[reporter("Amelia Cossa", "Quelimane"), translator("نور حداد", "عمّان")],
        dateline="كيليماني، موزمبيق",
        subjects=[subject("03012000", "relief and aid organisation"), subject("03005000", "flood")],
        places=("كيليماني", "فيلا ألميدا", "موزمبيق"),
        people=("مارتا سيكيرا",),
        organisations=("شبكة إغاثة الدلتا",),
        keywords=["فيضانات", "إغاثة", "نازحون"],
        public=True,
        photos=(photo("توزيع المياه في مركز إيواء",
                      "متطوعون يوزعون عبوات المياه النظيفة في مدرسة تحولت "
                      "إلى مركز إيواء للمتضررين من الفيضانات.",
                      "Carlos Tembe",
                      "متطوعون بسترات زرقاء يناولون عبوات صفراء لطابور من النساء والأطفال.",
                      seed="almeda-water-distribution"),),
        related=("almeda-appeal-en",),
    ),
    story(
        "ap-kiwi-island",
        headline="Kiwi return to New Zealand island after rats and stoats are cleared",
        spot="""Forty brown kiwi released on Motupara Island, free of predators for the first time in a
            century after a six-year eradication project""",
        body_text="""
            Forty young brown kiwi were released on Motupara Island off the coast of New Zealand's North
            Island, the first of the flightless birds to live there in about a hundred years, after
            volunteers and rangers spent six years clearing it of rats, stoats and feral cats.

            The birds, hatched in captivity from eggs collected on the mainland, were carried into the
            forest in ventilated boxes and placed in burrows that rangers had dug in advance.

            ## Six years of traps

            The project used more than 4,000 traps and bait stations on the 1,300-hectare island. The
            last stoat was caught almost two years ago, and trail cameras and trained dogs have found no
            sign of predators since.

            "A kiwi chick on the mainland has about a one in twenty chance of reaching adulthood,
            mostly because of stoats. Here it should be closer to one in two," said ranger Aroha Ngata,
            who has worked on the island since the project began.

            ## Checks at the jetty

            Boats landing on Motupara must now be checked for stowaway rodents, and visitors' bags are
            inspected at the jetty. A single pregnant rat could undo years of work, officials said.
        """,
        categories=[ASIA, SCIENCE],
        contributors=[reporter("Sam Whitaker", "Wellington")],
        dateline="WELLINGTON, New Zealand",
        subjects=[subject("06002001", "endangered species"), subject("06006008", "wildlife"),
                  subject("13004005", "zoology")],
        places=("Motupara Island", "New Zealand"),
        people=("Aroha Ngata",),
        keywords=["kiwi", "conservation", "predator control", "birds"],
        public=True,
        photos=(
            photo("Kiwi release",
                  "A ranger carries a ventilated box holding a young kiwi "
                  "into the forest on Motupara Island.",
                  "Mere Tautahi",
                  "A ranger in a green jacket carries a small wooden box along a forest track."),
            photo("Motupara Island from the sea",
                  "Motupara Island, now free of rats, stoats and feral cats "
                  "after a six-year eradication project.",
                  "Mere Tautahi",
                  "A forested island with steep cliffs seen from a boat on a calm sea."),
        ),
    ),
    story(
        "almeda-farmers",
        headline="Delta rice farmers count losses as floods strike weeks before harvest",
        spot="""Growers in the Almeda delta say up to two-thirds of the season's crop is under water;
            traders expect local rice prices to climb""",
        body_text="""
            Rice farmers in the Almeda delta say they have lost most of a crop that was only weeks from
            harvest, after floodwater spread across paddies on both banks of the river.

            "The grain was already heavy. Now the plants are lying flat under a metre of brown water,"
            said Joana Muianga, who farms four hectares outside Lumbe with her two sons. "Even if the
            water goes tomorrow, this rice is finished."

            ## Prices already moving

            The delta supplies a large share of the rice sold in the province's markets. Traders in
            Quelimane said the price of a 25-kilogram sack had risen by about 15 percent in a week as
            buyers stocked up.

            The farmers' association estimates that between half and two-thirds of the planted area is
            flooded, although it said a full count would only be possible once the water recedes.

            ## Salt and silt

            Agronomists warn that the damage may last beyond this season. Where seawater has pushed up
            the lower channels, salt left in the soil can stunt the next crop, and thick silt will have
            to be cleared before fields can be ploughed.

            The relief appeal launched this week includes seed and fertiliser for about 25,000 farming
            households, but farmers say they also need cash to live on until the next harvest.
        """,
        categories=[ECONOMY, AFRICA],
        dossier=FLOODS,
        contributors=[reporter("Amelia Cossa", "Lumbe")],
        dateline="LUMBE, Mozambique",
        subjects=[subject("04001001", "arable farming"), subject("04008017", "prices"),
                  subject("03005000", "flood")],
        places=("Lumbe", "Quelimane", "Mozambique"),
        people=("Joana Muianga",),
        keywords=["rice", "harvest", "flood", "food prices"],
        public=True,
        photos=(photo("Flooded paddy",
                      "A farmer wades through a flooded rice paddy near "
                      "Lumbe, weeks before the harvest was due.",
                      "Carlos Tembe",
                      "A woman stands knee-deep in brown water among flattened rice plants."),),
        related=("almeda-appeal-en",),
    ),
    story(
        "eu-film-tr",
        headline="Berlin Türk Film Günleri 20. yılında 34 filmle izleyiciyle buluşuyor",
        spot="""Festivalin bu yılki programında ilk filmlerini çeken yönetmenler ve Almanya'da büyüyen
            yeni kuşak öne çıkıyor""",
        body_text="""
            Berlin'de her yıl düzenlenen Türk Film Günleri, 20. yılında 34 uzun ve kısa filmi
            izleyiciyle buluşturuyor. Festival, kentin beş sinemasında on gün sürecek.

            Festival direktörü Selin Aydemir, bu yılki programın ağırlıklı olarak ilk filmlerini çeken
            genç yönetmenlerden oluştuğunu söyledi. Aydemir, "Seçtiğimiz filmlerin yarısından fazlası
            Almanya'da doğup büyüyen yönetmenlere ait. Bu, festivalin kendi hikâyesini de anlatıyor"
            dedi.

            ## Açılış filmi Kayseri'den Duisburg'a

            Festivalin açılışı, bir ailenin üç kuşağını Kayseri'den Duisburg'a uzanan bir yolculukta
            anlatan "Uzun Kış" filmiyle yapılacak. Filmin yönetmeni Murat Özkan, gösterimin ardından
            izleyicilerin sorularını yanıtlayacak.

            Programda ayrıca Türkiye'deki belgesel yapımcılarının son çalışmalarından bir seçki ile
            çocuklar için Almanca altyazılı animasyon gösterimleri yer alıyor.

            ## Biletler tükenmek üzere

            Organizatörler, açılış ve kapanış gösterimlerinin biletlerinin büyük bölümünün satıldığını,
            hafta içi gösterimlerde öğrencilere indirim uygulandığını bildirdi.
        """,
        language="tr",
        categories=[CULTURE, EUROPE],
        contributors=[reporter("Deniz Yalçın", "Berlin")],
        dateline="BERLİN, Almanya",
        subjects=[subject("01005001", "film festival"), subject("01005000", "cinema")],
        places=("Berlin", "Almanya"),
        people=("Selin Aydemir", "Murat Özkan"),
        organisations=("Berlin Türk Film Günleri",),
        keywords=["sinema", "festival", "Berlin"],
        public=True,
        photos=(photo("Festival sineması",
                      "Berlin Türk Film Günleri'nin açılış gösteriminin yapılacağı sinemanın girişi.",
                      "Jan Hoffmann",
                      "Akşam ışıkları altında afişlerle süslenmiş eski bir sinema binasının girişi."),),
    ),
    story(
        "almeda-health",
        headline="Health workers race to prevent cholera in flooded Almeda shelters",
        spot="""Mobile clinics and chlorine tablets reach crowded schools and churches; no confirmed
            cases so far, the provincial health director says""",
        body_text="""
            Health teams are handing out chlorine tablets and setting up hand-washing stations in more
            than 140 shelters in the Almeda delta, trying to head off an outbreak of cholera and other
            water-borne diseases.

            No cases have been confirmed, provincial health director Celso Mabote told reporters in
            Quelimane, but clinics have seen a rise in diarrhoea among children at the most crowded
            sites.

            ## Wells contaminated

            Most village wells in the flooded area have been contaminated by floodwater mixed with
            sewage from overflowing latrines, Mabote said. Water trucks supply the largest shelters,
            while smaller sites depend on tablets and boiling.

            Four mobile clinics, each with a nurse and a laboratory technician, are visiting shelters by
            boat and by road. Officials said they had enough oral rehydration salts for two weeks and
            had asked for more.

            ## Mosquitoes next

            Health workers also warned of a rise in malaria once water begins to stand in pools, and
            began handing out bed nets to families with young children.
        """,
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        contributors=[reporter("Ricardo Nhantumbo", "Quelimane"), writer("Daniel Okafor", "Nairobi")],
        dateline="QUELIMANE, Mozambique",
        subjects=[subject("07001001", "communicable diseases"), subject("07008000", "preventative medicine"),
                  subject("03005000", "flood")],
        places=("Quelimane", "Almeda river", "Mozambique"),
        people=("Celso Mabote",),
        keywords=["cholera", "public health", "flood", "shelters"],
        public=True,
        related=("almeda-appeal-en",),
    ),
    story(
        "ap-japan-rail",
        headline="Hokkaido town retires its last train and bets on on-demand minibuses",
        spot="""Higashinami replaces a loss-making branch line with vans booked by app; older residents
            can still call by phone""",
        body_text="""
            The last scheduled train has left Higashinami station in northern Hokkaido after 96 years,
            as the town of 6,200 people switched to a fleet of on-demand minibuses that residents book by
            smartphone app or by telephone.

            The branch line carried an average of 41 passengers a day, and the railway company said it
            spent more than 2,000 yen to earn each 100 yen in fares. The town agreed to the closure in
            return for a subsidy to run the new service for ten years.

            ## Door to door, but not always on time

            Eleven minibuses pick passengers up at their door and take them to the clinic, the
            supermarket or the main-line station in the neighbouring city. Trips are planned by software
            that groups bookings heading the same way.

            In a trial last winter most users said the service was more convenient than the train, but
            some complained that pick-up times could vary by up to 20 minutes when snow slowed the roads.

            ## A model for rural Japan?

            Many of Japan's rural lines are at risk of closure as the countryside's population shrinks
            and ages. Officials from other prefectures have visited Higashinami to see whether its model
            could work for them.

            "The train was part of our history, and people cried on the platform," said mayor Kenji
            Sato. "But a train that nobody can reach is not a service. The bus comes to your door."
        """,
        categories=[ASIA],
        contributors=[reporter("Yuki Tanabe", "Sapporo")],
        dateline="SAPPORO, Japan",
        subjects=[subject("04015002", "railway"), subject("04015003", "road transport"),
                  subject("14003000", "demographics")],
        places=("Higashinami", "Hokkaido", "Japan"),
        people=("Kenji Sato",),
        keywords=["rural transport", "railway closure", "ageing population"],
        public=True,
        photos=(
            photo("Last train",
                  "Residents wave at the last scheduled train to leave Higashinami station.",
                  "Haruto Mori",
                  "A single-car train at a small snowy platform crowded with people waving."),
            photo("On-demand minibus",
                  "An on-demand minibus picks up a passenger outside her home in Higashinami.",
                  "Haruto Mori",
                  "An elderly woman steps into a white minibus on a quiet residential street."),
        ),
    ),
    story(
        "world-heat-report",
        headline="Two in three big cities now open cooling centres in heatwaves, survey finds",
        spot="""Libraries, shopping centres and metro stations are the most common shelters; the number
            of heat-alert days has roughly doubled in a decade""",
        body_text="""
            Two out of every three large cities now open public cooling centres during heatwaves, up
            from fewer than one in five a decade ago, according to a survey of 90 cities published by
            the Global Cities Climate Forum.

            Libraries, shopping centres and metro stations were the most common shelters, the survey
            found, and the number of days on which cities issued heat alerts had roughly doubled over
            ten years.

            ## Nights matter most

            "The danger is often not the afternoon peak but nights that never cool down, especially for
            older people living alone in top-floor flats," said the report's author, urban health
            researcher Amara Diallo.

            About a third of the cities surveyed had started to phone or visit elderly residents during
            alerts, a measure the report said was cheap and had saved lives where it had been tried.

            ## Trees and white roofs

            Longer-term measures such as planting street trees and painting roofs white were planned in
            most cities but had been carried out on a large scale in only a few, mainly because of their
            cost, the report said.
        """,
        categories=[WORLD, SCIENCE],
        contributors=[reporter("Lukas Berger", "Geneva")],
        dateline="GENEVA, Switzerland",
        subjects=[subject("06011000", "global warming"), subject("07008000", "preventative medicine"),
                  subject("11008000", "local authority")],
        places=("Geneva",),
        people=("Amara Diallo",),
        organisations=("Global Cities Climate Forum",),
        keywords=["heatwave", "cities", "public health", "climate"],
        public=True,
    ),
    story(
        "almeda-satellite",
        headline="Satellite radar shows Almeda floodwater spread faster than models predicted",
        spot="""Researchers say the breach released water into old river channels that planners had
            treated as dry land""",
        body_text="""
            Radar images taken by satellite through thick cloud show that floodwater in the Almeda delta
            covered about 1,100 square kilometres within three days of the levee breach, far faster than
            flood models had predicted.

            Researchers at the Southern Africa Coastal Hazards Lab, who processed the images, said the
            water had followed abandoned river channels that were missing from the flood maps used by
            planners.

            ## Old channels, new risk

            "The river has moved several times in the last century. On the ground those old beds look
            like fields, but they are the lowest land in the delta, and the water finds them first,"
            said hydrologist Naledi Khumalo, who led the analysis.

            Radar satellites send out microwave pulses that pass through cloud and are reflected
            differently by open water and by land, which makes them useful during storms, when optical
            cameras see nothing.

            ## Maps to be shared

            The team said it would publish its daily flood maps openly so that relief groups could plan
            boat routes and find villages that had been cut off.

            Engineers have long argued that levees alone cannot protect the delta, and that some land
            should be set aside where the river can spill safely during peak floods.
        """,
        categories=[SCIENCE, AFRICA],
        dossier=FLOODS,
        contributors=[reporter("Thandiwe Moyo", "Cape Town")],
        dateline="CAPE TOWN, South Africa",
        subjects=[subject("04003003", "satellite technology"), subject("13006000", "research"),
                  subject("03005000", "flood")],
        places=("Almeda river", "Mozambique", "Cape Town"),
        people=("Naledi Khumalo",),
        organisations=("Southern Africa Coastal Hazards Lab",),
        keywords=["satellite radar", "flood mapping", "levees"],
        public=True,
        photos=(photo("Radar flood map",
                      """A map made from satellite radar images shows floodwater (dark blue) spreading
                      through old river channels in the Almeda delta.""",
                      "Southern Africa Coastal Hazards Lab",
                      "A false-colour map with dark blue patches spreading "
                      "along winding lines across green land."),),
        related=("almeda-levee",),
    ),
    story(
        "ap-seoul-robots-tr",
        headline="Güney Kore'de yalnız yaşayan yaşlılara konuşan robot desteği",
        spot="""Seul'de dağıtılan oyuncak boyutundaki robotlar ilaç saatlerini hatırlatıyor, evde uzun
            süre hareket algılamadığında sosyal hizmetlere haber veriyor""",
        body_text="""
            Güney Kore'nin başkenti Seul'de yalnız yaşayan 2 binden fazla yaşlıya, ilaç saatlerini
            hatırlatan ve sohbet edebilen küçük robotlar dağıtıldı.

            Bir oyuncak bebek boyutundaki robotlar, sabah kalkış ve yemek saatlerinde kullanıcılarına
            seslenerek günlük sağlık soruları soruyor. Cihaz, belirli bir süre boyunca evde hareket
            algılamazsa ilçe sosyal hizmet merkezine otomatik olarak uyarı gönderiyor.

            ## Yalnızlıkla mücadele

            Dünyanın en hızlı yaşlanan toplumlarından biri olan Güney Kore'de yaşlıların önemli bir
            bölümü yalnız yaşıyor. Yetkililer, robotların özellikle kış aylarında evden çıkamayan
            yaşlılar için önemli olduğunu belirtiyor.

            Programa katılan 81 yaşındaki Kim Soon-ja, robotun her sabah kendisine şarkı söylediğini
            anlatarak, "Önce garip geldi ama şimdi onunla konuşmadan güne başlamıyorum" dedi.

            ## Uzmanlar temkinli

            Bazı uzmanlar ise teknolojinin insan ziyaretlerinin yerini almaması gerektiği konusunda
            uyarıyor. Sosyal hizmet görevlileri, robotların yalnızca bir tamamlayıcı olduğunu ve düzenli
            ev ziyaretlerinin süreceğini vurguluyor.
        """,
        language="tr",
        categories=[ASIA, SCIENCE],
        contributors=[reporter("Ayşe Demirtaş", "Seul")],
        dateline="SEUL, Güney Kore",
        subjects=[subject("13010000", "technology (general)"), subject("14018000", "long term care"),
                  subject("14003000", "demographics")],
        places=("Seul", "Güney Kore"),
        people=("Kim Soon-ja",),
        keywords=["robot", "yaşlı bakımı", "yalnızlık"],
        public=True,
        photos=(photo("Bakım robotu",
                      "Seul'de yalnız yaşayan bir kadın, kendisine ilaç "
                      "saatini hatırlatan robotla konuşuyor.",
                      "Min-jun Park",
                      "Yaşlı bir kadın, masanın üzerindeki küçük, yuvarlak yüzlü bir robota gülümsüyor."),),
    ),
    story(
        "econ-freight",
        headline="Container freight rates ease as new ships join Asia-Europe routes",
        spot="""Cost of shipping a 40-foot box from China to northern Europe falls for a sixth week;
            carriers cancel some sailings to support prices""",
        body_text="""
            The cost of shipping goods by container from Asia to northern Europe fell for a sixth
            straight week, as a wave of newly built ships entered service and demand from European
            retailers stayed soft, freight analysts said.

            Spot rates for a 40-foot container from Shanghai to Rotterdam averaged about 2,300 dollars,
            down roughly a quarter from two months ago, according to a weekly index compiled by a
            Singapore-based consultancy.

            ## A record order book

            Shipping lines ordered a record number of large container ships when freight prices soared
            a few years ago, and many of those vessels are now being delivered.

            To support prices, several carriers have cancelled sailings in the coming weeks, a practice
            known in the industry as blank sailings. Analysts said the cuts had slowed the decline but
            not stopped it.

            ## Relief for importers

            "For importers this is welcome relief ahead of the holiday season. For carriers, margins are
            going to get thin," said Tan Wei Ling, a maritime economist.

            Rates on routes across the Pacific to the United States were broadly stable over the week.
        """,
        categories=[ECONOMY, WORLD],
        contributors=[reporter("Aditya Rao", "Singapore")],
        dateline="SINGAPORE",
        subjects=[subject("04006012", "shipping service"), subject("04008017", "prices"),
                  subject("04015004", "waterway and maritime transport")],
        places=("Singapore", "Shanghai", "Rotterdam"),
        people=("Tan Wei Ling",),
        keywords=["shipping", "freight rates", "containers", "trade"],
        public=False,
        photos=(photo("Container terminal",
                      "Cranes load containers onto a ship at a terminal in Singapore.",
                      "Aditya Rao",
                      "Tall gantry cranes above a ship stacked with coloured containers at dusk."),),
    ),
    story(
        "me-oman-water-ar",
        headline="محطة تحلية تعمل بالطاقة الشمسية تزود قرى جبلية بمياه الشرب في عُمان",
        spot="""المحطة الجديدة في وادي السدر تنتج 500 متر مكعب يومياً وتقلل الاعتماد على صهاريج
            المياه""",
        body_text="""
            بدأت محطة صغيرة لتحلية المياه تعمل بالطاقة الشمسية في قرية وادي السدر بتزويد نحو ثلاثة آلاف
            من سكان القرى الجبلية المجاورة بمياه الشرب، بعد سنوات من الاعتماد على الصهاريج.

            وتنتج المحطة نحو 500 متر مكعب من المياه يومياً من آبار جوفية مالحة، وتعمل بألواح شمسية تغطي
            مساحة تعادل ملعبين لكرة القدم، مع بطاريات تتيح لها العمل بضع ساعات بعد غروب الشمس.

            ## نهاية انتظار الصهاريج

            وقال سالم البلوشي، أحد سكان القرية: "كنا ننتظر الصهريج مرتين في الأسبوع، وفي الصيف كان
            يتأخر أحياناً. الآن يصل الماء إلى البيت كل يوم".

            وأوضح المهندس المسؤول عن المشروع أن تكلفة إنتاج المتر المكعب أقل بنحو الثلث من تكلفة نقل
            المياه بالصهاريج، وأن المحطة لا تحتاج إلى وقود.

            ## التخلص من المياه المالحة

            ويبقى التحدي الرئيسي في التخلص من المياه شديدة الملوحة الناتجة عن التحلية، إذ تُجمع حالياً
            في أحواض تبخير مبطنة لمنع تسربها إلى التربة، ويدرس فريق المشروع استخراج الأملاح منها.
        """,
        language="ar",
        categories=[MIDEAST, ECONOMY],
        contributors=[reporter("خالد الراشدي", "مسقط")],
        dateline="مسقط، عُمان",
        subjects=[subject("04005008", "water supply"), subject("06001000", "renewable energy")],
        places=("وادي السدر", "عُمان"),
        people=("سالم البلوشي",),
        keywords=["تحلية المياه", "الطاقة الشمسية", "مياه الشرب"],
        public=False,
        photos=(photo("محطة التحلية",
                      "ألواح شمسية تغذي محطة تحلية المياه في قرية وادي السدر.",
                      "Khalid Al-Rashdi",
                      "صفوف من الألواح الشمسية أمام مبنى أبيض صغير عند سفح جبل صخري."),),
    ),
    story(
        "am-paper-mill",
        headline="Workers buy their paper mill as Canadian town rallies to save it",
        spot="""The Port Ellery mill reopens as a cooperative after its owner planned to close it;
            about 180 jobs are kept""",
        summary="""About 180 workers in Port Ellery, New Brunswick, have taken over their paper mill as a
            cooperative, with a town guarantee and a provincial loan, after the owner decided to shut
            it. They plan to switch from newsprint to packaging paper.""",
        body_text="""
            Workers at the paper mill in Port Ellery, New Brunswick, have taken over the plant as a
            cooperative after its owner announced it would close, keeping about 180 jobs in a town of
            4,000 people.

            Each worker invested 15,000 Canadian dollars, most of it borrowed from a local credit union,
            and the town council voted to guarantee part of a provincial loan to buy the mill and
            modernise one of its two paper machines.

            ## From newsprint to packaging

            The mill made newsprint for more than 70 years. The cooperative plans to switch to the brown
            paper used for food packaging and shopping bags, where demand has grown as retailers move
            away from plastic.

            "We know every bolt of this machine. What we did not know was how to sell paper, so we hired
            people who do," said cooperative president Denise Arsenault, a maintenance mechanic who has
            worked at the mill for 26 years.

            ## Risks ahead

            Industry analysts say the plan is workable but risky: energy costs are high, and the
            cooperative will compete with much larger mills. The first shipments are expected within
            three months.

            The previous owner said it had agreed to sell the site at a reduced price and would buy part
            of the cooperative's output for two years.
        """,
        categories=[AMERICAS, ECONOMY],
        contributors=[reporter("Marc Thibodeau", "Port Ellery"), writer("Olivia Grant", "Toronto")],
        dateline="PORT ELLERY, Canada",
        subjects=[subject("04013004", "paper and packaging product"), subject("09003000", "employment")],
        places=("Port Ellery", "New Brunswick", "Canada"),
        people=("Denise Arsenault",),
        organisations=("Port Ellery Paper Cooperative",),
        keywords=["cooperative", "paper mill", "jobs", "packaging"],
        public=True,
        photos=(photo("Paper machine",
                      "Cooperative members inspect a paper machine at the "
                      "Port Ellery mill before its restart.",
                      "Marc Thibodeau",
                      "Three workers in hard hats stand beside a long grey machine with large rollers."),),
    ),
    story(
        "af-kenya-solar",
        headline="Solar mini-grids bring power to 300 villages in northern Kenya",
        spot="""Pay-as-you-go meters let households buy electricity in small amounts; shops and barbers
            are the fastest-growing users""",
        body_text="""
            Solar-powered mini-grids now supply electricity to more than 300 villages in northern Kenya
            that are too far from the national grid to be connected, a group of operators said.

            Each mini-grid combines a field of solar panels with batteries and a diesel generator for
            cloudy days, and serves between 50 and 400 homes and businesses. Customers pay in advance,
            in small amounts, by mobile money.

            ## Barbers and fridges

            Households use most of their power for lights and charging phones, but the operators say the
            fastest growth has come from small businesses: barbers with electric clippers, shops selling
            cold drinks, and welders who no longer have to travel to town.

            "Before, I closed at sunset. Now I cut hair until nine at night," said Abdi Galgalo, who runs
            a barber's shop in a village outside Marsabit.

            ## Tariffs still high

            Critics note that mini-grid power can cost several times more per unit than electricity from
            the national grid. The operators say subsidies for each new connection are needed to bring
            prices down.
        """,
        categories=[AFRICA, ECONOMY],
        contributors=[reporter("Wanjiru Kamau", "Marsabit"), writer("Daniel Okafor", "Nairobi")],
        dateline="MARSABIT, Kenya",
        subjects=[subject("06001000", "renewable energy"),
                  subject("04005006", "electricity production and distribution")],
        places=("Marsabit", "Kenya"),
        people=("Abdi Galgalo",),
        keywords=["solar power", "mini-grid", "electricity access"],
        public=True,
        photos=(photo("Mini-grid at dusk",
                      "Solar panels of a village mini-grid outside Marsabit at dusk.",
                      "Wanjiru Kamau",
                      "Rows of solar panels on a dry plain with a small "
                      "metal hut, under an orange evening sky."),),
    ),
    story(
        "sport-volley-tr",
        headline="Kadınlar voleybolunda Bozdağ Spor finale yükseldi",
        spot="""Yarı final serisinin üçüncü maçında rakibini 3-1 yenen Bozdağ Spor, kulüp tarihinde ilk
            kez şampiyonluk için mücadele edecek""",
        body_text="""
            Kadınlar voleybol liginde Bozdağ Spor, yarı final serisinin üçüncü maçında Marmara
            Yıldızları'nı 3-1 yenerek kulüp tarihinde ilk kez finale yükseldi.

            İzmir'de oynanan maçta ilk seti 25-21 kaybeden Bozdağ Spor, sonraki üç seti 25-19, 25-23 ve
            25-17 kazandı. Pasör Ece Tunalı'nın yönettiği hücumlarda smaçör Derya Koç 22 sayıyla maçın en
            skorer oyuncusu oldu.

            ## Teknik direktörden taraftara teşekkür

            Teknik direktör Levent Özer, maçın ardından yaptığı açıklamada, "İlk seti kaybettikten sonra
            takım hiç panik yapmadı. Salonu dolduran taraftarlarımız bizi taşıdı" dedi.

            Bozdağ Spor, final serisinde geçen sezonun şampiyonuyla karşılaşacak. Seride üç galibiyete
            ulaşan takım şampiyon olacak.
        """,
        language="tr",
        categories=[SPORTS],
        contributors=[reporter("Canan Öztürk", "İzmir")],
        dateline="İZMİR",
        subjects=[subject("15067000", "volleyball")],
        places=("İzmir",),
        people=("Ece Tunalı", "Derya Koç", "Levent Özer"),
        organisations=("Bozdağ Spor", "Marmara Yıldızları"),
        keywords=["voleybol", "kadın voleybolu", "yarı final"],
        public=True,
        photos=(photo("Smaç",
                      "Bozdağ Spor'dan Derya Koç, yarı final serisinin üçüncü maçında smaç vuruyor.",
                      "Emre Kaya",
                      "Havada yükselen bir voleybolcu filenin üzerinden "
                      "topa vuruyor, iki rakip blok yapıyor."),),
    ),
    story(
        "econ-hoax",
        headline="Chipmaker Veltron to cut 4,000 jobs, close two plants - statement",
        spot="""A statement emailed to news organisations says the company will shut assembly plants in
            Malaysia and Ireland by the end of next year""",
        body_text="""
            Veltron Semiconductors will cut about 4,000 jobs and close two assembly plants, in Malaysia
            and Ireland, by the end of next year, according to a statement emailed to news
            organisations.

            The statement, which carried the company's logo and the name of its head of communications,
            said the cuts were part of a plan to move production to automated factories and save 600
            million dollars a year.

            A company spokesperson could not immediately be reached for comment.
        """,
        categories=[ECONOMY],
        contributors=[reporter("Siobhan Doyle", "Dublin")],
        dateline="DUBLIN, Ireland",
        urgency=3,
        subjects=[subject("04016025", "layoffs and downsizing"), subject("09003002", "job layoffs")],
        places=("Malaysia", "Ireland"),
        organisations=("Veltron Semiconductors",),
        keywords=["job cuts", "semiconductors", "plant closure"],
        public=False,
        kill="""The statement attributed to Veltron Semiconductors was fake. The company says it issued no
            such announcement and is not planning job cuts or plant closures.""",
    ),
    story(
        "af-ghana-cocoa",
        headline="Ghana cocoa cooperatives test QR tags to trace beans to the farm",
        spot="""The pilot lets buyers see which farm each sack came from, as chocolate makers face
            tighter rules on deforestation""",
        body_text="""
            Cocoa cooperatives in Ghana's Ashanti region have begun attaching QR-coded tags to sacks of
            beans, allowing buyers to check with a phone which farm the cocoa came from and whether it
            was grown on land cleared from forest.

            The pilot covers about 9,000 farmers whose fields have been mapped by GPS. When a sack is
            weighed at a buying station, its tag is linked to the farmer's plot and the date of sale.

            ## Proof that travels with the sack

            Chocolate makers selling in Europe must increasingly prove that their cocoa was not grown on
            recently deforested land. Cooperative leaders hope traceable beans will earn a better price
            and protect their access to those markets.

            "Our farmers have not cut the forest, but until now we could not prove it," said Kwabena
            Owusu, secretary of one of the cooperatives. "With this tag, the proof travels with the
            sack."

            Some farmers have asked who owns the data collected about their land. The cooperatives said
            the maps would stay under their control and be shared with buyers only with consent.
        """,
        categories=[AFRICA, ECONOMY],
        contributors=[reporter("Efua Mensah", "Kumasi")],
        dateline="KUMASI, Ghana",
        subjects=[subject("04001000", "agriculture"), subject("06006003", "forests")],
        places=("Kumasi", "Ashanti region", "Ghana"),
        people=("Kwabena Owusu",),
        keywords=["cocoa", "traceability", "deforestation", "farmers"],
        public=False,
        photos=(photo("Tagged cocoa sacks",
                      "Sacks of cocoa beans with QR-coded tags at a buying station near Kumasi.",
                      "Kofi Asante",
                      "Jute sacks stacked in a shed, each with a white "
                      "paper tag printed with a square code."),),
    ),
    story(
        "me-jordan-archaeology",
        headline="Archaeologists map Nabataean water channels in southern Jordan's hills",
        spot="""A survey finds six kilometres of rock-cut channels and cisterns that fed terraced gardens
            two thousand years ago""",
        body_text="""
            Archaeologists have mapped a six-kilometre network of channels and cisterns cut into the
            rock of hills in southern Jordan, which they say carried rainwater to terraced gardens built
            by the Nabataeans about two thousand years ago.

            The survey, by a joint Jordanian and Italian team using drones and ground-penetrating radar,
            found 37 cisterns, some still holding water after the winter rains, linked by channels that
            follow the natural slope of the hills.

            ## Farmers of the desert

            "People think of the Nabataeans as traders and builders of tombs, but they were also
            brilliant farmers," said Rania Khasawneh, the Jordanian co-director of the project. "They
            caught every drop of the little rain that falls here."

            Pottery found in the silt at the bottom of several cisterns dates mostly from the first
            century, the team said. Pollen samples will be analysed to find out which crops grew on the
            terraces.

            ## Old cisterns, new use

            Local farmers have asked whether some of the cisterns could be cleaned and used again. The
            researchers said that would be possible for a few of them, under supervision, and could help
            protect the site by giving the community a stake in it.
        """,
        categories=[MIDEAST, CULTURE, SCIENCE],
        contributors=[reporter("Omar Haddad", "Amman")],
        dateline="AMMAN, Jordan",
        subjects=[subject("01001000", "archaeology"), subject("01028000", "history"),
                  subject("06010000", "water")],
        places=("Jordan",),
        people=("Rania Khasawneh",),
        keywords=["archaeology", "Nabataeans", "water harvesting"],
        public=True,
        photos=(
            photo("Rock-cut channel",
                  "A Nabataean water channel cut into sandstone in the hills of southern Jordan.",
                  "Layla Nasser",
                  "A narrow groove carved along a reddish rock face, running down a slope."),
            photo("Survey drone",
                  "A member of the survey team launches a drone over the terraces.",
                  "Layla Nasser",
                  "A woman in a sun hat holds up a small drone above stepped stone terraces."),
        ),
        related=("me-oman-water-ar",),
    ),
    story(
        "eu-vienna-libraries",
        headline="Vienna keeps libraries open until midnight as heatwave 'cool rooms'",
        spot="""The city opens 12 branches late and hands out free water; the first week draws more
            than 9,000 visitors""",
        body_text="""
            Vienna has begun keeping a dozen public library branches open until midnight during a
            heatwave, turning reading rooms into air-conditioned shelters for residents whose flats stay
            hot long after dark.

            More than 9,000 people used the late openings in the first week, the city said. Staff hand
            out free water and board games for children, and a nurse visits the busiest branches each
            evening.

            ## Quiet, cool and free

            "I live under the roof, and the thermometer in my kitchen showed 31 degrees at ten at
            night," said Helga Aigner, 78, who came with a crossword and stayed until closing time.
            "Here it is quiet, it is cool, and nobody asks me to buy anything."

            City officials said the scheme cost far less than dedicated cooling centres because the
            buildings were already staffed and equipped, and they are considering adding community
            centres next summer.
        """,
        categories=[EUROPE],
        contributors=[reporter("Katharina Wolf", "Vienna")],
        dateline="VIENNA, Austria",
        subjects=[subject("01009000", "library and museum"), subject("11008000", "local authority"),
                  subject("06011000", "global warming")],
        places=("Vienna", "Austria"),
        people=("Helga Aigner",),
        keywords=["heatwave", "libraries", "cooling centres"],
        public=True,
        photos=(
            photo("Reading room at night",
                  "Residents read in an air-conditioned Vienna library branch late in the evening.",
                  "Stefan Brandl",
                  "People sitting at long tables under warm lamps in a library, dark windows behind them."),
            photo("Free water",
                  "A librarian hands out bottles of water to visitors at the entrance.",
                  "Stefan Brandl",
                  "A smiling librarian holds out a water bottle to an older man at a reception desk."),
        ),
        related=("world-heat-report",),
    ),
    story(
        "sci-antarctica-tr",
        headline="Antarktika'dan getirilen kar örneklerinde mikroplastik tespit edildi",
        spot="""Türk araştırmacıların incelediği 24 örneğin 19'unda plastik parçacıklara rastlandı;
            parçacıkların rüzgârla çok uzaklara taşındığı düşünülüyor""",
        body_text="""
            Türk araştırmacılar, Antarktika Yarımadası'ndaki bilimsel sefer sırasında toplanan kar
            örneklerinin büyük çoğunluğunda mikroplastik tespit etti.

            Farklı noktalardan alınan 24 örneğin 19'unda, çoğu bir milimetreden küçük plastik
            parçacıklara rastlandı. Parçacıkların önemli bölümünün giysi ve ekipmanlarda kullanılan
            sentetik liflerden oluştuğu belirlendi.

            ## Rüzgârla taşınıyor

            Çalışmayı yürüten ekipten Doç. Dr. Zeynep Arslan, "Bazı parçacıklar araştırma istasyonlarına
            yakın noktalarda yoğunlaşıyor ancak istasyonlardan kilometrelerce uzaktaki örneklerde de
            plastik bulduk. Bu, rüzgârın onları çok uzak mesafelere taşıyabildiğini gösteriyor" dedi.

            Araştırmacılar, kar üzerinde biriken koyu renkli parçacıkların güneş ışığını daha fazla
            emerek erimeyi hızlandırabileceği konusunda da uyarıyor.

            ## Sefer ekipmanları değişecek

            Ekip, gelecek seferlerde sentetik lif salınımını azaltmak için giysi ve çadır seçiminde yeni
            kurallar uygulanmasını önerdi.
        """,
        language="tr",
        categories=[SCIENCE],
        contributors=[reporter("Burak Aksoy", "Ankara")],
        dateline="ANKARA",
        subjects=[subject("06005000", "environmental pollution"), subject("13006000", "research")],
        places=("Antarktika", "Ankara"),
        people=("Zeynep Arslan",),
        keywords=["mikroplastik", "Antarktika", "kirlilik", "bilimsel sefer"],
        public=False,
    ),
    story(
        "sci-comet",
        headline="Amateur astronomers in Namibia discover a new comet",
        spot="""The pair spotted the faint object on images from a farm telescope; it should be visible
            with binoculars in about two months""",
        body_text=_comet_text("Ilse Vermaark", 40),
        categories=[SCIENCE, AFRICA],
        contributors=[reporter("Martha Iipinge", "Windhoek")],
        dateline="WINDHOEK, Namibia",
        subjects=[subject("13004007", "astronomy")],
        places=("Windhoek", "Namibia"),
        people=("Ilse Vermaark", "Johannes Shikongo"),
        keywords=["comet", "astronomy", "amateur astronomers", "dark skies"],
        public=True,
        photos=(photo("Farm observatory",
                      "The dome of the farm observatory south of Windhoek where the comet was first seen.",
                      "Martha Iipinge",
                      "A small white dome on a hill under a starry night sky with the Milky Way overhead."),),
        correction=FollowUp(
            changes={"body_html": body(_comet_text("Ilse Vermaak", 30)),
                     "people": concepts("Ilse Vermaak", "Johannes Shikongo")},
            note="Corrects the spelling of Ilse Vermaak's name and the size of the telescope "
                 "(30 centimetres, not 40) in the second paragraph.",
            after_hours=3,
        ),
    ),
    story(
        "me-calligraphy-ar",
        headline="معرض للخط العربي في الشارقة يجمع أعمال 120 خطاطاً من 30 دولة",
        spot="""المعرض يضم لوحات تقليدية وأعمالاً معاصرة تمزج الخط بالفن الرقمي، ويستمر حتى نهاية
            الشهر""",
        body_text="""
            افتتح في الشارقة معرض للخط العربي يضم أكثر من 300 عمل لـ120 خطاطاً من 30 دولة، تتراوح بين
            المخطوطات التقليدية واللوحات المعاصرة التي تستخدم الإضاءة والشاشات الرقمية.

            ويخصص المعرض جناحاً للخطاطين الشباب دون الثلاثين، إلى جانب ورش عمل يومية لتعليم أساسيات
            خطي النسخ والرقعة للأطفال والكبار.

            ## بين القصب والشاشة

            وقالت القيّمة على المعرض ليلى الحسيني: "أردنا أن نُظهر أن الخط ليس فناً من الماضي. بعض
            الخطاطين هنا يكتبون بالقصب على الورق المصقول، وآخرون يصممون حروفاً تتحرك على الشاشة، لكن
            القواعد واحدة".

            ومن أبرز الأعمال لوحة بطول تسعة أمتار كتبها خطاط مغربي بخط الثلث على مدى عامين، وعمل
            تفاعلي يتيح للزوار كتابة أسمائهم ومشاهدتها تتحول إلى تكوين خطي.

            ويستمر المعرض حتى نهاية الشهر، والدخول مجاني.
        """,
        language="ar",
        categories=[CULTURE, MIDEAST],
        contributors=[reporter("مريم العلي", "الشارقة")],
        dateline="الشارقة، الإمارات العربية المتحدة",
        subjects=[subject("01020000", "arts (general)"), subject("01022000", "culture (general)")],
        places=("الشارقة", "الإمارات العربية المتحدة"),
        people=("ليلى الحسيني",),
        keywords=["الخط العربي", "معرض", "فنون"],
        public=True,
        photos=(
            photo("لوحة بخط الثلث",
                  "زوار يتأملون لوحة بخط الثلث بطول تسعة أمتار في معرض الخط العربي بالشارقة.",
                  "Maryam Al-Ali",
                  "زوار يقفون أمام لوحة خط عربي طويلة معلقة على جدار أبيض."),
            photo("ورشة للأطفال",
                  "أطفال يتعلمون أساسيات خط الرقعة في إحدى ورش المعرض.",
                  "Maryam Al-Ali",
                  "أطفال يجلسون إلى طاولة ويكتبون بأقلام القصب على أوراق بيضاء."),
        ),
    ),
    story(
        "am-quinoa-seeds",
        headline="Andean farmers send 400 quinoa varieties to Arctic seed vault",
        spot="""Seeds gathered from highland communities around Lake Titicaca are backed up in Norway as a
            guard against frost, drought and crop loss""",
        body_text="""
            Farming communities around Lake Titicaca in the Peruvian Andes have sent seeds of about 400
            quinoa and canihua varieties for safekeeping in the international seed vault on the Arctic
            archipelago of Svalbard, the Altiplano Seed Guardians association said.

            The seeds, packed in sealed foil bags, were collected over two years from 23 communities
            where farmers still grow dozens of local varieties with different colours, flavours and
            tolerance to frost.

            ## A copy, not a museum

            "These seeds are alive in our fields every year. The vault is a copy for our grandchildren in
            case something goes very wrong," said Eusebia Quispe, a farmer and one of the community
            leaders who handed over the boxes.

            The communities can ask for their seeds back at any time, and the deposit gives no one else
            rights over the varieties, the association said.

            ## Frost and drought

            Farmers around the lake say frosts now come at less predictable times and the rainy season
            has grown shorter. Varieties that fail in one year often do well in another, which is why
            keeping many of them matters, agronomists say.
        """,
        categories=[AMERICAS, SCIENCE],
        contributors=[reporter("Luis Mamani", "Puno")],
        dateline="PUNO, Peru",
        subjects=[subject("13020000", "agricultural research and technology"),
                  subject("06002000", "conservation")],
        places=("Puno", "Lake Titicaca", "Peru", "Svalbard"),
        people=("Eusebia Quispe",),
        organisations=("Altiplano Seed Guardians",),
        keywords=["seeds", "quinoa", "biodiversity", "Andes"],
        public=False,
        photos=(photo("Quinoa seeds",
                      "Farmers sort quinoa seeds of different colours "
                      "before packing them for the seed vault.",
                      "Rosa Condori",
                      "Hands spreading red, white and black seeds in separate piles on a woven cloth."),),
    ),
    story(
        "sport-marathon",
        headline="Kenya's Lemeteki breaks Lisbon marathon course record",
        spot="""The 24-year-old wins in 2:05:41 despite a strong headwind along the river; Ethiopia's
            Alemu takes the women's race""",
        body_text="""
            Kenya's Samuel Lemeteki broke the Lisbon marathon course record by 38 seconds, finishing in
            two hours, five minutes and 41 seconds despite a strong headwind on the return leg along the
            Tagus.

            The 24-year-old, running only his third marathon, broke away from a group of five just after
            the 30-kilometre mark and won by more than a minute from compatriot Peter Kirwa.

            ## "I did not look back"

            "The wind was very hard near the bridge, so I decided to go early and not look back,"
            Lemeteki said. "I wanted to finish before my legs understood what I was doing."

            In the women's race, Ethiopia's Tigist Alemu won in 2:21:09, pulling away from Kenya's Mercy
            Jerotich over the last five kilometres.

            Organisers said more than 22,000 runners took part in the marathon, the half marathon and a
            family race, a record for the event.
        """,
        categories=[SPORTS, EUROPE],
        contributors=[reporter("Ines Carvalho", "Lisbon")],
        dateline="LISBON, Portugal",
        subjects=[subject("15037000", "marathon")],
        places=("Lisbon", "Portugal"),
        people=("Samuel Lemeteki", "Tigist Alemu", "Peter Kirwa", "Mercy Jerotich"),
        keywords=["marathon", "athletics", "course record"],
        public=True,
        photos=(
            photo("Finish line",
                  "Samuel Lemeteki of Kenya crosses the finish line in Lisbon in a course record time.",
                  "Rui Farinha",
                  "A runner with arms raised breaks the tape at a finish line lined with spectators."),
            photo("Along the river",
                  "The leading group runs along the river into a headwind.",
                  "Rui Farinha",
                  "Five runners in a tight group on a riverside road, a suspension bridge in the distance."),
        ),
    ),
    story(
        "econ-hazelnut-tr",
        headline="Karadeniz'de fındık hasadı başladı, üreticiler rekolteden umutlu",
        spot="""Baharda don yaşanmayan bölgede üreticiler geçen yıla göre daha yüksek verim bekliyor;
            işçi bulmakta ise zorlanıyorlar""",
        body_text="""
            Karadeniz Bölgesi'nde fındık hasadı sahil kesimindeki bahçelerde başladı. Bu yıl bahar
            aylarında don yaşanmaması nedeniyle üreticiler geçen yıla göre daha yüksek bir rekolte
            bekliyor.

            Bulancak ilçesinde 30 dönüm fındık bahçesi bulunan Hasan Yılmaz, "Dallar yüklü, tane dolgun.
            Hava bozmazsa yıllardır gördüğümüz en iyi hasatlardan biri olacak" dedi.

            ## İşçi bulmak zorlaşıyor

            Üreticilerin en büyük sorunu ise hasat için işçi bulmak. Dik yamaçlardaki bahçelerde
            fındığın elle toplanması gerektiğini belirten üreticiler, gündelikler artmasına rağmen
            yeterli işçiye ulaşamadıklarını söylüyor.

            Bazı köylerde aileler, şehirlerde yaşayan akrabalarını hasada yardım için izin almaya
            çağırıyor. Ziraat odası yetkilileri hasadın yaklaşık bir ay süreceğini tahmin ediyor.

            ## Fiyat beklentisi

            Üreticiler, hasat sonrasında açıklanacak alım fiyatını bekliyor. Gübre ve işçilik
            maliyetlerinin arttığını vurgulayan üreticiler, fiyatın enflasyonun altında kalmamasını
            istiyor.
        """,
        language="tr",
        categories=[ECONOMY],
        contributors=[reporter("Mehmet Çelik", "Giresun")],
        dateline="GİRESUN",
        subjects=[subject("04001000", "agriculture"), subject("04008017", "prices")],
        places=("Giresun", "Bulancak", "Karadeniz"),
        people=("Hasan Yılmaz",),
        keywords=["fındık", "hasat", "tarım", "işçi"],
        public=True,
        photos=(photo("Fındık hasadı",
                      "Bulancak'ta bir fındık bahçesinde hasat yapan üreticiler.",
                      "Emre Kaya",
                      "Dik bir yamaçta fındık dallarının altında toplanmış çuvallar ve eğilmiş işçiler."),),
    ),
    story(
        "sport-cricket",
        headline="Rain forces draw in Sri Lankan domestic final, Kandy take title on first innings",
        spot="""No play was possible on the last day in Colombo; the Kandy Cavaliers are crowned champions
            thanks to their 84-run lead""",
        body_text="""
            Heavy monsoon rain washed out the final day of the four-day domestic championship final in
            Colombo, and the Kandy Cavaliers were crowned champions on the strength of their
            first-innings lead over the Galle Mariners.

            Kandy made 412 in their first innings, built around a patient 146 from opener Dinuka
            Ratnayake, before bowling Galle out for 328. Galle were 51 for one in their second innings
            when bad light ended play on the third evening.

            ## Covers on all day

            The ground staff kept the covers on throughout the final day as rain fell steadily from
            before dawn, and the umpires abandoned play shortly after two in the afternoon.

            "Nobody wants to win a final like this, but we earned the lead over three days," Kandy
            captain Sahan Wijeratne said. "Our young bowlers did the hard work in the heat."
        """,
        categories=[SPORTS, ASIA],
        contributors=[reporter("Nadeesha Perera", "Colombo")],
        dateline="COLOMBO, Sri Lanka",
        subjects=[subject("15017000", "cricket")],
        places=("Colombo", "Sri Lanka"),
        people=("Dinuka Ratnayake", "Sahan Wijeratne"),
        organisations=("Kandy Cavaliers", "Galle Mariners"),
        keywords=["cricket", "final", "rain"],
        public=False,
        photos=(photo("Covers on",
                      "Ground staff keep the covers on the pitch as rain falls on the final day in Colombo.",
                      "Nadeesha Perera",
                      "Large plastic covers over a cricket pitch with puddles and an empty stand behind."),),
    ),
    story(
        "sport-basketball-ar",
        headline="الساحل يتوج بكأس الصداقة لكرة السلة بعد فوز مثير في النهائي",
        spot="""الفريق حسم اللقاء بفارق نقطتين في الثواني الأخيرة أمام جمهور غفير في الدوحة""",
        body_text="""
            توج نادي الساحل بلقب كأس الصداقة لكرة السلة للأندية بعد فوزه على نادي الرمال 78-76 في مباراة
            نهائية مثيرة أقيمت في الدوحة.

            وحسم صانع الألعاب يوسف المنصوري اللقاء برمية ثلاثية قبل أربع ثوانٍ من صافرة النهاية، بعد أن
            تقدم الرمال بفارق نقطة واحدة في معظم فترات الربع الأخير.

            ## أول لقب خارجي

            وهذا أول لقب خارجي في تاريخ النادي الذي تأسس قبل 40 عاماً. وقال المدرب سامي الزين بعد
            المباراة: "لاعبونا آمنوا بالفوز حتى الثانية الأخيرة. هذا اللقب للجمهور الذي سافر معنا".

            وأنهى المنصوري المباراة برصيد 24 نقطة وسبع تمريرات حاسمة، واختير أفضل لاعب في البطولة التي
            شاركت فيها ثمانية أندية.
        """,
        language="ar",
        categories=[SPORTS, MIDEAST],
        contributors=[reporter("أحمد الكبيسي", "الدوحة")],
        dateline="الدوحة، قطر",
        subjects=[subject("15008000", "basketball")],
        places=("الدوحة", "قطر"),
        people=("يوسف المنصوري", "سامي الزين"),
        organisations=("نادي الساحل", "نادي الرمال"),
        keywords=["كرة السلة", "نهائي", "كأس الصداقة"],
        public=True,
        photos=(photo("الرمية الحاسمة",
                      "يوسف المنصوري يسدد الرمية الثلاثية التي منحت الساحل اللقب.",
                      "Ahmed Al-Kubaisi",
                      "لاعب كرة سلة يقفز ويسدد الكرة فوق مدافع أمام مدرجات ممتلئة."),),
    ),
    story(
        "cult-lisbon-tiles",
        headline="Lisbon museum restores tile panel rescued from demolished palace",
        spot="""The 18th-century blue-and-white hunting scene, broken into 2,300 pieces, goes on display
            after four years of work""",
        summary="""A Lisbon museum has put on show an 18th-century tile panel of a hunting scene,
            reassembled from about 2,300 pieces saved when a palace was demolished in the 1960s.""",
        body_text="""
            A museum in Lisbon has put on display an 18th-century panel of blue-and-white tiles showing
            a hunting scene, reassembled after four years of work from some 2,300 pieces salvaged when a
            palace was demolished in the 1960s.

            The tiles, known in Portugal as azulejos, had been stored for decades in crates in a
            municipal warehouse, many of them broken and with no record of their original order.

            ## A puzzle without a picture

            Conservators photographed every fragment and used software to suggest which pieces fitted
            together, but most of the work was done by hand on large tables, said restorer Teresa Lobo,
            who led the project.

            "The computer was good with straight edges. For the faces of the hunters and the dogs, we
            needed our eyes," she said.

            About 8 percent of the panel was missing and has been filled with plain tiles painted in a
            lighter tone, so that visitors can see what is original.

            ## Palace lost, panel saved

            The palace, in a neighbourhood near the river, was torn down to make way for a road, at a
            time when many old buildings in the city were lost. Historians believe the panel decorated
            its main staircase.

            The museum will show a film about the restoration beside the panel and plans to publish the
            photographs of every fragment online.
        """,
        categories=[CULTURE, EUROPE],
        contributors=[reporter("Ines Carvalho", "Lisbon"), writer("Hannah Whitcombe", "London")],
        dateline="LISBON, Portugal",
        subjects=[subject("01009000", "library and museum"),
                  subject("01018000", "monument and heritage site")],
        places=("Lisbon", "Portugal"),
        people=("Teresa Lobo",),
        keywords=["azulejos", "restoration", "museum", "heritage"],
        public=True,
        photos=(
            photo("The restored panel",
                  "The restored 18th-century tile panel showing a hunting scene on display in Lisbon.",
                  "Rui Farinha",
                  "A wall of blue-and-white painted tiles showing riders, dogs and a deer among trees."),
            photo("Fragments on the table",
                  "Restorer Teresa Lobo matches tile fragments during the four-year project.",
                  "Rui Farinha",
                  "A woman in a white coat leans over a large table covered with blue and white shards."),
            photo("A hunter's face",
                  "Detail of a hunter's face, pieced together from 14 fragments.",
                  "Rui Farinha",
                  "Close-up of a painted face in blue on white tiles, with fine cracks between pieces."),
        ),
    ),
    story(
        "cult-lagos-film",
        headline="Lagos film school graduates first all-women class of camera operators",
        spot="""Twenty-four graduates trained on donated cinema cameras; several already have jobs on
            Nollywood sets""",
        body_text="""
            A film school in Lagos has graduated its first class made up entirely of women camera
            operators, part of an effort to change the make-up of crews in Nigeria's prolific film
            industry, known as Nollywood.

            The 24 graduates spent nine months learning to operate cinema cameras, lighting and focus
            pulling, on equipment donated by a rental company. Several already have jobs on film and
            television sets.

            ## Behind the camera

            "On most sets, the women are in front of the camera or in make-up. Behind it, you see men,"
            said Funmilayo Adeyemi, a cinematographer who founded the programme. "Directors told me they
            could not find women for camera crews. Now they cannot say that."

            Graduate Chioma Eze, 23, worked as a wedding photographer before joining. "The first time I
            held a cinema camera on my shoulder for a whole take, my arms were shaking. Now I can do it
            all day," she said.

            ## A bigger class next year

            The school plans to take 40 students next year and is raising money to offer free places to
            those who cannot afford the fees.
        """,
        categories=[CULTURE, AFRICA],
        contributors=[reporter("Tunde Bakare", "Lagos")],
        dateline="LAGOS, Nigeria",
        subjects=[subject("01005000", "cinema"), subject("09003000", "employment")],
        places=("Lagos", "Nigeria"),
        people=("Funmilayo Adeyemi", "Chioma Eze"),
        keywords=["Nollywood", "film school", "women in film"],
        public=False,
        photos=(
            photo("On set",
                  "A graduate of the camera course operates a cinema camera on a film set in Lagos.",
                  "Tunde Bakare",
                  "A young woman with a large camera on her shoulder films two actors in a living room set."),
            photo("Graduation",
                  "The 24 graduates pose with their certificates.",
                  "Tunde Bakare",
                  "A group of smiling women in two rows holding certificates in front of a film poster."),
        ),
    ),
    story(
        "am-mexico-roofs",
        headline="Mexico City pays residents to turn rooftops into rain gardens",
        spot="""Grants cover soil, plants and waterproofing for flat roofs in flood-prone boroughs; 1,200
            roofs are planned this year""",
        body_text="""
            Mexico City has started paying residents in three flood-prone boroughs to cover their flat
            concrete roofs with soil and plants, which officials say will slow the rainwater that pours
            into the overloaded drains during summer storms.

            The grants cover waterproofing, soil, plants and a tank that collects the water draining
            through. The city aims to green 1,200 roofs this year and says a typical garden roof can hold
            back about a third of the water from a heavy downpour.

            ## Cooler homes

            Residents who joined a pilot say the gardens also keep their top-floor rooms noticeably
            cooler. "Before, the roof was a frying pan. Now I grow chillies and tomatoes up there," said
            Guadalupe Hernandez, who lives in the east of the city.

            Engineers caution that rooftop gardens alone cannot solve the city's flooding, which is made
            worse by the ground sinking as water is pumped from beneath it, but say every litre kept off
            the streets during a storm helps.
        """,
        categories=[AMERICAS, WORLD],
        contributors=[reporter("Andrea Villasenor", "Mexico City")],
        dateline="MEXICO CITY, Mexico",
        subjects=[subject("06010000", "water"), subject("11008000", "local authority")],
        places=("Mexico City", "Mexico"),
        people=("Guadalupe Hernandez",),
        keywords=["green roofs", "flooding", "urban water"],
        public=True,
        photos=(
            photo("Rooftop garden",
                  "A rooftop rain garden in the east of Mexico City, planted under the city's grant scheme.",
                  "Diego Ramos",
                  "Planters with chillies and tomatoes on a flat roof, "
                  "with other rooftops and hills behind."),
            photo("Collecting tank",
                  "A tank collects water that drains through a garden roof.",
                  "Diego Ramos",
                  "A black plastic water tank connected by a pipe to the edge of a planted roof."),
        ),
    ),
    story(
        "sci-bees",
        headline="Honeybees use polarised skylight to find remembered flowers, study finds",
        spot="""Filters over a meadow that altered the light pattern sent foragers the wrong way in most
            trips, researchers report""",
        summary="""Researchers in Austria report that honeybees rely on the pattern of polarised light in
            the sky, not only on the sun's position, to return to flower patches they remember.""",
        body_text="""
            Honeybees rely on the pattern of polarised light across the sky to return to flower patches
            they have visited before, according to a study by researchers in Austria and Germany.

            Sunlight becomes polarised as it is scattered in the atmosphere, forming a pattern that is
            invisible to people but that bees can see with special cells at the top of their eyes. It
            was known that bees use it as a compass; the new work suggests it also helps them remember
            places.

            ## Filters over the meadow

            The team trained bees from four hives to visit feeders in a meadow, then stretched large
            filter sheets over parts of their flight path that shifted the polarisation pattern without
            changing how bright the sky looked.

            Under the filters, bees flew off in the wrong direction on about 60 percent of trips,
            compared with 12 percent under clear sheets, said lead author Miriam Hofbauer of the Austrian
            Institute for Pollinator Research.

            ## Why it matters

            Pesticides and artificial light at night may affect how insects see, and understanding how
            bees navigate could help explain why some colonies lose foragers that never come home, the
            researchers said.

            "A bee that cannot find its way back is lost to the colony," Hofbauer said. "The sky is part
            of their map."
        """,
        categories=[SCIENCE, EUROPE],
        contributors=[reporter("Felix Baumann", "Graz")],
        dateline="GRAZ, Austria",
        subjects=[subject("13004005", "zoology"), subject("13006000", "research")],
        places=("Graz", "Austria"),
        people=("Miriam Hofbauer",),
        organisations=("Austrian Institute for Pollinator Research",),
        keywords=["bees", "navigation", "polarised light", "pollinators"],
        public=True,
        photos=(photo("Forager at a feeder",
                      "A marked honeybee feeds at an experimental feeder in a meadow near Graz.",
                      "Felix Baumann",
                      "A bee with a small painted dot on its back drinks from a blue dish in tall grass."),),
        embargo_hours=6,
    ),

    # ---- picture, graphic, video and audio items (the photo wire and the players) --------------------
    story(
        "almeda-sandbags-picture",
        kind=ItemKind.picture,
        headline="Picture: Volunteers fill sandbags at the Vila Almeda stadium",
        spot="Hundreds of residents fill sandbags on the stadium car park as the river keeps rising",
        body_text="""
            Volunteers fill sandbags on the car park of the municipal stadium in Vila Almeda, where the
            district set up a collection point for the neighbourhoods closest to the breached levee.
        """,
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        contributors=[Contributor(name="Tomas Langa", role=Role.photographer, place="Vila Almeda")],
        dateline="VILA ALMEDA, Mozambique",
        urgency=4,
        subjects=[subject("03005000", "flood")],
        places=("Vila Almeda", "Mozambique"),
        keywords=["flood", "volunteers", "sandbags"],
        public=True,
        photos=(photo("Sandbags at the stadium",
                      "Volunteers fill sandbags on the car park of the municipal stadium in Vila Almeda.",
                      "Tomas Langa",
                      "A long line of people passing white sandbags from hand to hand in front of a stadium."),),
    ),
    story(
        "lisbon-ferry-picture",
        kind=ItemKind.picture,
        headline="Picture: The last ferry of the night crosses the Tagus",
        spot="A commuter ferry leaves Cais do Sodre on the final crossing before the night timetable",
        body_text="""
            The last commuter ferry of the evening leaves the Cais do Sodre terminal for the south bank
            of the Tagus, the day the operator published its new night timetable.
        """,
        categories=[EUROPE],
        contributors=[Contributor(name="Ines Barata", role=Role.photographer, place="Lisbon")],
        dateline="LISBON, Portugal",
        urgency=5,
        subjects=[subject("04015004", "waterway and maritime transport")],
        places=("Lisbon", "Portugal"),
        keywords=["ferry", "commuters", "Tagus"],
        public=True,
        photos=(photo("Night ferry",
                      "A commuter ferry crosses the Tagus after leaving the Cais do Sodre terminal in Lisbon.",
                      "Ines Barata",
                      "A lit ferry on dark water with the lights of a city bridge behind it."),),
    ),
    story(
        "almeda-rain-graphic",
        kind=ItemKind.graphic,
        headline="Graphic: Four days of rain on the Almeda basin",
        spot="Rainfall at the Vila Almeda gauge in the four days before the levee broke",
        body_text="""
            Rain measured at the district's gauge in Vila Almeda in the four days before the levee on
            the Almeda river gave way, in millimetres a day, as reported by the district water office.
        """,
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        contributors=[Contributor(name="Newsflow Graphics", role=Role.producer, place="Lisbon")],
        urgency=5,
        subjects=[subject("03005000", "flood")],
        places=("Vila Almeda", "Mozambique"),
        keywords=["flood", "rainfall", "graphic"],
        public=True,
        photos=(graphic("Rain on the Almeda basin, mm a day",
                        "Daily rainfall at the Vila Almeda gauge before the levee broke (district water office).",
                        "Newsflow Graphics",
                        "Bar chart: 42 mm on Thursday, 88 on Friday, 131 on Saturday and 97 on Sunday.",
                        (("Thu", 42.0), ("Fri", 88.0), ("Sat", 131.0), ("Sun", 97.0)), "millimetres a day"),),
    ),
    story(
        "almeda-boats-video",
        kind=ItemKind.video,
        headline="Video: Rescue boats on the flooded streets of Vila Almeda",
        spot="Boat crews ferry families from the market district to the stadium shelter",
        body_text="""
            Rescue crews steer boats along the flooded streets of the market district of Vila Almeda and
            take families to the shelter at the municipal stadium. (Demo clip: a generated test card.)
        """,
        categories=[WORLD, AFRICA],
        dossier=FLOODS,
        contributors=[Contributor(name="Amelia Cossa", role=Role.videographer, place="Vila Almeda")],
        dateline="VILA ALMEDA, Mozambique",
        urgency=3,
        subjects=[subject("03005000", "flood"), subject("03017000", "rescue")],
        places=("Vila Almeda", "Mozambique"),
        keywords=["flood", "rescue", "video"],
        photos=(clip(ItemKind.video, "Rescue boats in the market district",
                     "Boat crews take families from the flooded market district to the stadium shelter.",
                     "Amelia Cossa", "Rescue boats moving along a flooded street lined with shops.", 6),),
    ),
    story(
        "festival-director-audio",
        kind=ItemKind.audio,
        headline="Audio: The Kestrel Bay festival director on this year's programme",
        spot="Five minutes with the director on the opening film and the open-air screenings",
        body_text="""
            The director of the Kestrel Bay film festival talks about the opening film, the return of the
            open-air screenings on the harbour wall and the young critics' jury. (Demo clip: a tone.)
        """,
        categories=[CULTURE],
        contributors=[Contributor(name="Lea Marchetti", role=Role.producer, place="Kestrel Bay")],
        urgency=6,
        subjects=[subject("01005000", "cinema")],
        keywords=["film festival", "interview", "audio"],
        photos=(clip(ItemKind.audio, "Interview with the festival director",
                     "The festival director speaks about this year's programme.",
                     "Lea Marchetti", "Audio interview with the festival director.", 8),),
    ),
]
