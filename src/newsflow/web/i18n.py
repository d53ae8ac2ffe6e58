# ruff: noqa: RUF001  (Turkish strings use the dotless i letter, which is not a typo)
"""UI strings in English, Turkish and Arabic, and the reader's language.

A tiny dict, not gettext: the faces have a few dozen strings and the translators edit this file.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape
from starlette.requests import Request

from newsflow.formats.html import text_direction
from newsflow.web.i18n_portal import PORTAL_STRINGS
from newsflow.web.i18n_staff import STAFF_STRINGS

LANGUAGES = {"en": "English", "tr": "Türkçe", "ar": "العربية"}
DEFAULT = "en"
COOKIE = "nf_lang"

STRINGS: dict[str, dict[str, str]] = {
    "skip": {"en": "Skip to content", "tr": "İçeriğe geç", "ar": "انتقل إلى المحتوى"},
    "language": {"en": "Language", "tr": "Dil", "ar": "اللغة"},
    "home": {"en": "Home", "tr": "Ana sayfa", "ar": "الرئيسية"},
    "latest": {"en": "Latest news", "tr": "Son haberler", "ar": "آخر الأخبار"},
    "dossiers": {"en": "Dossiers", "tr": "Dosyalar", "ar": "الملفات"},
    "categories": {"en": "Sections", "tr": "Bölümler", "ar": "الأقسام"},
    "search": {"en": "Search", "tr": "Ara", "ar": "بحث"},
    "search_label": {"en": "Search the public news", "tr": "Kamuya açık haberlerde ara",
                     "ar": "ابحث في الأخبار العامة"},
    "results_for": {"en": "Results for", "tr": "Sonuçlar:", "ar": "نتائج البحث عن"},
    "no_results": {"en": "No public stories match.", "tr": "Eşleşen haber yok.", "ar": "لا توجد أخبار مطابقة."},
    "no_stories": {"en": "No stories yet.", "tr": "Henüz haber yok.", "ar": "لا توجد أخبار بعد."},
    "older": {"en": "Older stories", "tr": "Daha eski haberler", "ar": "أخبار أقدم"},
    "bad_cursor": {"en": "This page address is not valid", "tr": "Bu sayfa adresi geçersiz",
                   "ar": "عنوان هذه الصفحة غير صالح"},
    "published": {"en": "Published", "tr": "Yayın", "ar": "نُشر"},
    "updated": {"en": "Update", "tr": "Güncelleme", "ar": "تحديث"},
    "summary": {"en": "Summary", "tr": "Özet", "ar": "ملخص"},
    "read_more": {"en": "Read the summary", "tr": "Özeti oku", "ar": "اقرأ الملخص"},
    "other_languages": {"en": "Also in", "tr": "Diğer dillerde", "ar": "متوفر أيضاً بـ"},
    "disclaimer": {
        "en": "This website shows only a selection of the stories that {agency} sends to its subscribers "
              "on the news wire, and only in shortened form. The full copy, photos and every other "
              "story are available with a subscription.",
        "tr": "Bu sitede {agency} abonelerine haber akışında gönderdiği haberlerin yalnızca bir bölümü, "
              "kısaltılmış olarak yer alır. Haberlerin tamamı, fotoğraflar ve diğer tüm haberler "
              "abonelikle sunulur.",
        "ar": "لا يعرض هذا الموقع سوى جزء من الأخبار التي ترسلها {agency} إلى مشتركيها عبر خدمة "
              "الأخبار، وبصيغة مختصرة. النصوص الكاملة والصور وسائر الأخبار متاحة بالاشتراك."},
    "cta": {"en": "Subscription options", "tr": "Abonelik seçenekleri", "ar": "خيارات الاشتراك"},
    "subscribe_title": {"en": "Ask for a subscription", "tr": "Abonelik talebi", "ar": "طلب اشتراك"},
    "subscribe_intro": {"en": "Tell us who you are and what you cover; our sales desk will reply.",
                        "tr": "Kim olduğunuzu ve neleri izlediğinizi yazın; satış ekibimiz size dönecek.",
                        "ar": "عرّفنا بمؤسستك واهتماماتها وسيتواصل معك فريق المبيعات."},
    "organisation": {"en": "Organisation", "tr": "Kurum", "ar": "المؤسسة"},
    "name": {"en": "Your name", "tr": "Adınız", "ar": "الاسم"},
    "email": {"en": "E-mail", "tr": "E-posta", "ar": "البريد الإلكتروني"},
    "country": {"en": "Country", "tr": "Ülke", "ar": "البلد"},
    "interests": {"en": "Interests", "tr": "İlgi alanları", "ar": "الاهتمامات"},
    "message": {"en": "Message (optional)", "tr": "Mesaj (isteğe bağlı)", "ar": "رسالة (اختياري)"},
    "honeypot": {"en": "Leave this field empty", "tr": "Bu alanı boş bırakın", "ar": "اترك هذا الحقل فارغاً"},
    "send": {"en": "Send request", "tr": "Talebi gönder", "ar": "أرسل الطلب"},
    "form_errors": {"en": "Please correct the fields marked below.", "tr": "Lütfen işaretli alanları düzeltin.",
                    "ar": "يرجى تصحيح الحقول المشار إليها أدناه."},
    "error_required": {"en": "{field} is required.", "tr": "{field} gerekli.", "ar": "حقل {field} مطلوب."},
    "error_too_long": {"en": "{field} is too long.", "tr": "{field} çok uzun.", "ar": "حقل {field} طويل جداً."},
    "error_email": {"en": "{field}: enter an address like name@example.org.",
                    "tr": "{field}: ad@ornek.org gibi bir adres girin.",
                    "ar": "{field}: أدخل عنواناً مثل name@example.org."},
    "error_interest": {"en": "{field}: choose from the list.", "tr": "{field}: listeden seçin.",
                       "ar": "{field}: اختر من القائمة."},
    "thanks_title": {"en": "Thank you", "tr": "Teşekkürler", "ar": "شكراً لك"},
    "thanks_text": {"en": "We have your request and will reply by e-mail within two working days.",
                    "tr": "Talebinizi aldık; iki iş günü içinde e-postayla yanıt vereceğiz.",
                    "ar": "تلقّينا طلبك وسنرد عليك بالبريد الإلكتروني خلال يومي عمل."},
    "too_many": {"en": "Too many requests from your address; please try again in a minute.",
                 "tr": "Adresinizden çok fazla istek geldi; lütfen bir dakika sonra tekrar deneyin.",
                 "ar": "طلبات كثيرة من عنوانك؛ يرجى المحاولة بعد دقيقة."},
    "not_found": {"en": "Page not found", "tr": "Sayfa bulunamadı", "ar": "الصفحة غير موجودة"},
    "not_found_text": {"en": "There is nothing at this address.", "tr": "Bu adreste bir şey yok.",
                       "ar": "لا يوجد شيء على هذا العنوان."},
    "forbidden": {"en": "Not allowed", "tr": "İzin verilmedi", "ar": "غير مسموح"},
    "forbidden_text": {"en": "This request was refused. Reload the page and try again.",
                       "tr": "Bu istek reddedildi. Sayfayı yenileyip tekrar deneyin.",
                       "ar": "رُفض هذا الطلب. أعد تحميل الصفحة وحاول مرة أخرى."},
    "gone": {"en": "Story withdrawn", "tr": "Haber geri çekildi", "ar": "سُحب الخبر"},
    "gone_text": {"en": "This story has been withdrawn by the agency.", "tr": "Bu haber ajans tarafından geri çekildi.",
                  "ar": "سحبت الوكالة هذا الخبر."},
    "error": {"en": "Something went wrong", "tr": "Bir sorun oluştu", "ar": "حدث خطأ"},
    "feeds": {"en": "Feeds", "tr": "Beslemeler", "ar": "الخلاصات"},
    "photo": {"en": "Photo", "tr": "Fotoğraf", "ar": "صورة"},
}
INTEREST_LABELS: dict[str, dict[str, str]] = {
    "world": {"en": "World", "tr": "Dünya", "ar": "العالم"},
    "politics": {"en": "Politics", "tr": "Politika", "ar": "السياسة"},
    "economy": {"en": "Economy", "tr": "Ekonomi", "ar": "الاقتصاد"},
    "sports": {"en": "Sports", "tr": "Spor", "ar": "الرياضة"},
    "technology": {"en": "Technology", "tr": "Teknoloji", "ar": "التكنولوجيا"},
    "health": {"en": "Health", "tr": "Sağlık", "ar": "الصحة"},
    "culture": {"en": "Culture", "tr": "Kültür", "ar": "الثقافة"},
    "photos": {"en": "Photos", "tr": "Fotoğraflar", "ar": "الصور"},
    # Content Credentials of a picture as the agency received it (newsflow.provenance), desk and portal
    "credentials_signed": {"en": "Content Credentials as received: signed by {who}, edited: {edits}",
                           "tr": "Alındığı haliyle İçerik Kimlik Bilgileri: imzalayan {who}, düzenleme: {edits}",
                           "ar": "بيانات اعتماد المحتوى عند الاستلام: وقّعها {who}، التعديلات: {edits}"},
    "credentials_no_edits": {"en": "none", "tr": "yok", "ar": "لا شيء"},
    "credentials_untrusted": {"en": "(certificate not trusted)", "tr": "(sertifika güvenilir değil)",
                              "ar": "(الشهادة غير موثوقة)"},
    "credentials_none": {"en": "Content Credentials as received: none", "tr": "Alındığı haliyle İçerik Kimlik "
                         "Bilgileri: yok", "ar": "بيانات اعتماد المحتوى عند الاستلام: لا توجد"},
    "credentials_invalid": {"en": "Content Credentials as received: invalid ({reason})",
                            "tr": "Alındığı haliyle İçerik Kimlik Bilgileri: geçersiz ({reason})",
                            "ar": "بيانات اعتماد المحتوى عند الاستلام: غير صالحة ({reason})"},
}

# The portal's and the staff faces' strings live in their own files; one dict keeps one lookup path.
# A key defined twice would silently hide one of the two texts, so it stops the import instead.
for _face, _strings in (("i18n_staff.py", STAFF_STRINGS), ("i18n_portal.py", PORTAL_STRINGS)):
    _twice = (STRINGS.keys() | INTEREST_LABELS.keys()) & _strings.keys()
    if _twice:
        raise RuntimeError(f"UI string keys defined twice (i18n.py and {_face}): {sorted(_twice)}")
    STRINGS |= _strings


def direction(lang: str) -> str:
    return text_direction(lang)  # one list of right-to-left languages, kept with the HTML renderer


def negotiate(request: Request) -> str:
    """The UI language: ?lang=, then the cookie a switch left, then Accept-Language, then English."""
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().split("-")[0].lower()
        if tag in LANGUAGES:
            return tag
    return DEFAULT


def translator(lang: str, **defaults: object) -> Callable[..., str]:
    """`t("key", field="E-mail")`: the string in `lang` (English when missing), formatted.

    When a value is Markup (e.g. `<strong>3</strong>` from a template), the result is Markup too: the
    string itself and the other values are escaped, so a translation can put emphasis around a value
    without ever letting its own text or a plain value through as HTML."""
    def t(key: str, **values: object) -> str:
        entry = STRINGS.get(key) or INTEREST_LABELS.get(key) or {}
        text = entry.get(lang) or entry.get(DEFAULT) or key
        if "{" not in text:
            return text
        if any(isinstance(value, Markup) for value in values.values()):
            return escape(text).format(**(defaults | values))
        return text.format(**(defaults | values))
    return t


def request_translator(request: Request) -> Callable[..., str]:
    """`t` in the request's UI language, for messages a face builds in Python (notices, form errors)."""
    return translator(negotiate(request))
