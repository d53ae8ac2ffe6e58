# ruff: noqa: RUF001, RUF002, SIM905 -- Turkish dotless i and Arabic letters are the point; word lists read best as text
"""The vocabulary bench/corpus.py writes its stories from, written for this project: per language a list
of common newsroom words (nouns, verbs, adjectives and the small words between them), places, and
the agency's categories and running dossiers. No prose: sentences are drawn from these lists.

Turkish carries the dotted and dotless i in both cases (İstanbul, ılık, Iğdır, ışık), Arabic the
article ال, the alef variants (ا أ إ آ) and words written with their short-vowel marks, so search
and folding meet what real copy sends.
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, ...]] = {
    "en": tuple("""
        the the the a a of of of to to in in and and and for on with by from at as after before
        that this which while but not also more than about over under between against during
        government minister parliament council election vote voters party coalition opposition court
        judge ruling law bill budget tax taxes inflation prices wages market markets shares bank
        central rates interest growth economy exports imports trade harbour port ferry shipping
        storm storms rain flood floods drought heat wildfire winter summer weather forecast coast
        river bridge railway train trains airport flights airline strike union workers talks deal
        agreement treaty summit leaders president prime spokesman spokeswoman police officers
        investigation report reports data figures survey study scientists researchers university
        hospital patients doctors health vaccine season league club coach players match final goal
        goals championship record museum festival film music artist exhibition library school
        students teachers city cities town village region province capital border refugees aid
        energy power gas oil electricity wind solar grid prices company companies chief executive
        said says told announced confirmed denied warned expected agreed rejected approved signed
        launched opened closed reached rose fell doubled halved continued resumed suspended
        new old first last second third major minor local national regional international public
        private early late strong weak heavy light long short high low rising falling
        on Monday on Tuesday on Wednesday on Thursday on Friday on Saturday on Sunday
        percent million billion thousand hundreds dozens several many few
    """.split()),
    "de": tuple("""
        der die das der die das den dem des ein eine einen und und und in im am zum zur mit von
        für auf bei nach vor über unter zwischen gegen während aber nicht auch mehr als
        Regierung Ministerin Minister Bundestag Landtag Wahl Wähler Partei Koalition Opposition
        Gericht Urteil Gesetz Haushalt Steuern Inflation Preise Löhne Markt Börse Aktien Bank
        Zinsen Wachstum Wirtschaft Export Import Handel Hafen Fähre Schifffahrt Sturm Regen
        Hochwasser Dürre Hitze Waldbrand Winter Sommer Wetter Küste Fluss Brücke Bahn Züge
        Flughafen Flüge Streik Gewerkschaft Verhandlungen Einigung Vertrag Gipfel Präsident
        Kanzler Sprecher Sprecherin Polizei Ermittlungen Bericht Zahlen Umfrage Studie Forscher
        Universität Krankenhaus Patienten Ärzte Gesundheit Impfstoff Saison Verein Trainer
        Spieler Spiel Finale Tor Meisterschaft Museum Festival Musik Ausstellung Schule
        Schüler Lehrer Stadt Städte Dorf Region Hauptstadt Grenze Flüchtlinge Hilfe Energie
        Strom Gas Öl Windkraft Netz Unternehmen Vorstand sagte erklärte bestätigte warnte
        kündigte an lehnte ab billigte unterzeichnete eröffnete schloss stieg fiel
        neue alte erste letzte große kleine örtliche bundesweite öffentliche frühe späte
        starke schwache hohe niedrige Prozent Millionen Milliarden Tausende mehrere viele
        am Montag am Dienstag am Mittwoch am Donnerstag am Freitag am Samstag am Sonntag
        Straße Brücke Überschwemmung Grüße Maß Fußball Gemeinderat Bürgermeisterin
    """.split()),
    "fr": tuple("""
        le la les le la les un une des de de du et et et à au aux en dans pour sur avec par
        après avant entre contre pendant mais ne pas aussi plus que qui
        gouvernement ministre ministère Assemblée élection électeurs parti coalition opposition
        tribunal décision loi budget impôts inflation prix salaires marché Bourse actions banque
        taux croissance économie exportations importations commerce port ferry tempête pluie
        inondations sécheresse chaleur incendie hiver été météo côte fleuve pont chemin de fer
        trains aéroport vols grève syndicat négociations accord traité sommet président
        porte-parole police enquête rapport chiffres sondage étude chercheurs université hôpital
        patients médecins santé vaccin saison club entraîneur joueurs match finale but
        championnat musée festival musique exposition école élèves enseignants ville villes
        village région capitale frontière réfugiés aide énergie électricité gaz pétrole réseau
        entreprise entreprises directeur a déclaré a annoncé a confirmé a démenti a averti
        a signé a ouvert a fermé a augmenté a baissé nouveau nouvelle premier première dernier
        grand grande petit petite local national régional international public privé forte
        faible élevé lundi mardi mercredi jeudi vendredi samedi dimanche pour cent millions
        milliards milliers plusieurs nombreux quelques maire mairie député sénateur crèche
        été hôtel forêt bâtiment rôle naïf Noël
    """.split()),
    "es": tuple("""
        el la los las un una de del y y y a al en para por con sobre tras antes entre contra
        durante pero no también más que
        gobierno ministro ministra Congreso elecciones votantes partido coalición oposición
        tribunal sentencia ley presupuesto impuestos inflación precios salarios mercado Bolsa
        acciones banco tipos crecimiento economía exportaciones importaciones comercio puerto
        ferri tormenta lluvia inundaciones sequía calor incendio invierno verano tiempo costa
        río puente ferrocarril trenes aeropuerto vuelos huelga sindicato negociaciones acuerdo
        tratado cumbre presidente portavoz policía investigación informe cifras encuesta estudio
        investigadores universidad hospital pacientes médicos salud vacuna temporada club
        entrenador jugadores partido final gol campeonato museo festival música exposición
        escuela alumnos profesores ciudad ciudades pueblo región capital frontera refugiados
        ayuda energía electricidad gas petróleo red empresa empresas director dijo anunció
        confirmó negó advirtió firmó abrió cerró subió bajó nuevo nueva primer primera último
        gran pequeño local nacional regional internacional público privado fuerte débil alto
        bajo lunes martes miércoles jueves viernes sábado domingo por ciento millones
        mil millones miles varios muchos algunos alcalde alcaldesa diputado año niño señal
    """.split()),
    "tr": tuple("""
        ve ve ile için bir bir bu şu da de daha çok en sonra önce kadar göre karşı arasında
        ancak değil ayrıca
        hükümet bakan bakanlık meclis seçim seçmen parti koalisyon muhalefet mahkeme karar
        yasa bütçe vergi enflasyon fiyatlar ücretler piyasa borsa hisse banka faiz büyüme
        ekonomi ihracat ithalat ticaret liman vapur fırtına yağmur sel kuraklık sıcak yangın
        kış yaz hava kıyı nehir köprü demiryolu tren havalimanı uçuş grev sendika görüşme
        anlaşma zirve cumhurbaşkanı sözcü polis soruşturma rapor veriler anket araştırma
        bilim insanları üniversite hastane hasta doktor sağlık aşı sezon kulüp teknik direktör
        oyuncu maç final gol şampiyonluk müze festival müzik sergi okul öğrenci öğretmen şehir
        ilçe köy bölge başkent sınır mülteci yardım enerji elektrik doğalgaz petrol şebeke
        şirket açıkladı söyledi duyurdu doğruladı yalanladı uyardı imzaladı açtı kapattı
        yükseldi düştü yeni eski ilk son büyük küçük yerel ulusal bölgesel uluslararası güçlü
        zayıf yüksek düşük ılık ılıman ışık ısı ıslak İstanbul İzmir İnegöl Iğdır Ilgaz
        pazartesi salı çarşamba perşembe cuma cumartesi pazar yüzde milyon milyar bin birçok
        belediye başkanı milletvekili İçişleri Irmak ığdırlı
    """.split()),
    "ar": tuple("""
        و و و في في من من على إلى عن مع بعد قبل بين ضد خلال لكن لا أيضا أكثر الذي التي
        الحكومة الوزير الوزيرة البرلمان الانتخابات الناخبين الحزب الائتلاف المعارضة المحكمة
        الحكم القانون الميزانية الضرائب التضخم الأسعار الأجور السوق البورصة الأسهم البنك
        الفائدة النمو الاقتصاد الصادرات الواردات التجارة الميناء العاصفة الأمطار الفيضانات
        الجفاف الحر الحريق الشتاء الصيف الطقس الساحل النهر الجسر القطار المطار الرحلات
        الإضراب النقابة المفاوضات الاتفاق القمة الرئيس المتحدث الشرطة التحقيق التقرير
        الأرقام الاستطلاع الدراسة الباحثون الجامعة المستشفى المرضى الأطباء الصحة اللقاح
        الموسم النادي المدرب اللاعبون المباراة النهائي الهدف البطولة المتحف المهرجان
        الموسيقى المعرض المدرسة الطلاب المعلمون المدينة القرية المنطقة العاصمة الحدود
        اللاجئون المساعدات الطاقة الكهرباء الغاز النفط الشبكة الشركة أعلن أعلنت قال قالت
        أكد أكدت نفى حذر وقع افتتح أغلق ارتفع انخفض جديد جديدة أول آخر كبير صغير محلي
        وطني دولي قوي ضعيف إعلان إجراءات إصلاح آلاف آخرون أمس اليوم غدا مليون مليار
        القاهرة بيروت عمّان الإسكندرية الرِّياض مُدِير كِتَاب الطَّقْس مَطَر البَحْر
        الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد بالمئة عدة كثير
    """.split()),
}

PLACES: dict[str, tuple[str, ...]] = {
    "en": ("London", "Manchester", "Dublin", "New York", "Toronto", "Sydney", "Cape Town", "Edinburgh"),
    "de": ("Berlin", "Hamburg", "München", "Köln", "Wien", "Zürich", "Düsseldorf", "Lübeck"),
    "fr": ("Paris", "Lyon", "Marseille", "Bruxelles", "Genève", "Montréal", "Québec", "Besançon"),
    "es": ("Madrid", "Barcelona", "Sevilla", "Bogotá", "Lima", "México", "Málaga", "Córdoba"),
    "tr": ("İstanbul", "Ankara", "İzmir", "Iğdır", "Eskişehir", "Diyarbakır", "Muğla", "Çanakkale"),
    "ar": ("القاهرة", "بيروت", "عمّان", "الرياض", "دبي", "تونس", "الإسكندرية", "أبوظبي"),
}

COUNTRIES: dict[str, str] = {
    "London": "Britain", "Manchester": "Britain", "Dublin": "Ireland", "New York": "United States",
    "Toronto": "Canada", "Sydney": "Australia", "Cape Town": "South Africa", "Edinburgh": "Britain",
}

CATEGORIES = ("Politics", "Economy", "World", "Europe", "Sport", "Culture", "Science", "Health",
              "Technology", "Environment", "Weather", "Transport", "Education", "Justice")

# Running topics; about half the stories belong to one.
DOSSIERS = tuple(f"{topic} {year}" for year in (2022, 2023, 2024, 2025, 2026) for topic in (
    "Election", "Energy crisis", "Harbour strike", "Floods", "Budget", "Champions League", "Wildfires",
    "Rail reform", "Vaccine campaign", "Border talks", "Climate summit", "Housing"))

# Subject codes (IPTC subject code layout) by category.
SUBJECTS = {
    "Politics": ("subj:11000000", "politics"), "Economy": ("subj:04000000", "economy, business and finance"),
    "World": ("subj:16000000", "unrest, conflicts and war"), "Europe": ("subj:11000000", "politics"),
    "Sport": ("subj:15000000", "sport"), "Culture": ("subj:01000000", "arts, culture and entertainment"),
    "Science": ("subj:13000000", "science and technology"), "Health": ("subj:07000000", "health"),
    "Technology": ("subj:13010000", "technology"), "Environment": ("subj:06000000", "environmental issue"),
    "Weather": ("subj:17000000", "weather"), "Transport": ("subj:04015000", "transport"),
    "Education": ("subj:05000000", "education"), "Justice": ("subj:02000000", "crime, law and justice"),
}

REPORTERS = ("Ana Costa", "Jonas Weber", "Claire Martin", "Lucía Romero", "Elif Yılmaz", "İlkay Işık",
             "Samir Haddad", "Layla Al-Amin", "Tom Becker", "Nora Lindqvist", "Pierre Dubois", "Kemal Öztürk")
PHOTOGRAPHERS = ("Marta Silva", "Hakan Aydın", "Yusuf Karim", "Julia Roth", "Owen Price", "Inès Moreau")

# Syllables the generator joins into names and rare words (people, firms, villages, terms of art): the
# long tail of a real vocabulary, so a search term matches a few stories rather than half the archive.
SYLLABLES: dict[str, tuple[str, ...]] = {
    "en": ("bar", "ton", "mel", "ford", "ash", "win", "dale", "ric", "ham", "ley", "sto", "ver", "lin", "cor",
           "bro", "wick", "den", "mar", "shaw", "pen", "gold", "thorn", "by", "well"),
    "de": ("berg", "stein", "hau", "sen", "mül", "ler", "wald", "dorf", "kra", "mer", "lin", "gen", "bach",
           "feld", "schu", "ster", "brü", "nau", "witz", "eck", "hö", "ß", "lau", "rich"),
    "fr": ("ber", "lac", "mont", "vil", "lier", "cham", "pel", "rou", "sseau", "ge", "nais", "fon", "taine",
           "bel", "court", "mar", "tin", "lé", "ré", "vaux", "çon", "gè", "ô", "eil"),
    "es": ("gar", "cía", "mon", "tes", "ro", "dri", "guez", "vi", "lla", "nue", "va", "sal", "ce", "do",
           "her", "nán", "pe", "ña", "lo", "za", "ú", "bel", "ti", "ja"),
    "tr": ("yıl", "dız", "ka", "ya", "ak", "taş", "öz", "türk", "çe", "lik", "ış", "ık", "ıl", "gün", "doğ",
           "an", "er", "en", "iş", "can", "ır", "ğı", "şi", "İ"),
    "ar": ("بو", "عل", "حم", "دان", "سال", "مي", "نور", "رش", "يد", "كر", "يم", "فا", "طم", "زه", "را", "عب",
           "اس", "أم", "إب", "آل", "مُ", "حَ", "سِ", "ة"),
}
