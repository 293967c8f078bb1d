"""ISO 3166-1 alpha-2 countries and BCP 47 language tags with plain English names.

The one source of truth for the country and language choices of every form: the form
registry turns these into the `$defs` that schemas reference (`#/$defs/country`,
`#/$defs/language`) and into the option labels of the `country` and `language(s)` widgets.
Names are the short everyday English names (CLDR), not the formal ISO names, because the
people choosing them are often not native English speakers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

import langcodes
import pycountry
from babel import Locale, UnknownLocaleError

# The eight countries of the Nordic Baltic network: the only possible host countries.
NETWORK_COUNTRIES: tuple[str, ...] = ("DK", "EE", "FI", "IS", "LV", "LT", "NO", "SE")

# Currencies in which amounts of compensation are paid in the network's countries.
CURRENCIES: tuple[str, ...] = ("EUR", "DKK", "ISK", "NOK", "SEK")


# XK (Kosovo) is a user-assigned code, not ISO 3166-1 proper; the EU and the Nordic
# migration authorities use it, and women from Kosovo must not be recorded as "other".
COUNTRIES: dict[str, str] = {
    "AD": "Andorra",
    "AE": "United Arab Emirates",
    "AF": "Afghanistan",
    "AG": "Antigua and Barbuda",
    "AI": "Anguilla",
    "AL": "Albania",
    "AM": "Armenia",
    "AO": "Angola",
    "AQ": "Antarctica",
    "AR": "Argentina",
    "AS": "American Samoa",
    "AT": "Austria",
    "AU": "Australia",
    "AW": "Aruba",
    "AX": "Åland Islands",
    "AZ": "Azerbaijan",
    "BA": "Bosnia and Herzegovina",
    "BB": "Barbados",
    "BD": "Bangladesh",
    "BE": "Belgium",
    "BF": "Burkina Faso",
    "BG": "Bulgaria",
    "BH": "Bahrain",
    "BI": "Burundi",
    "BJ": "Benin",
    "BL": "Saint Barthélemy",
    "BM": "Bermuda",
    "BN": "Brunei",
    "BO": "Bolivia",
    "BQ": "Caribbean Netherlands",
    "BR": "Brazil",
    "BS": "Bahamas",
    "BT": "Bhutan",
    "BV": "Bouvet Island",
    "BW": "Botswana",
    "BY": "Belarus",
    "BZ": "Belize",
    "CA": "Canada",
    "CC": "Cocos (Keeling) Islands",
    "CD": "Congo (Democratic Republic)",
    "CF": "Central African Republic",
    "CG": "Congo (Republic)",
    "CH": "Switzerland",
    "CI": "Côte d'Ivoire",
    "CK": "Cook Islands",
    "CL": "Chile",
    "CM": "Cameroon",
    "CN": "China",
    "CO": "Colombia",
    "CR": "Costa Rica",
    "CU": "Cuba",
    "CV": "Cape Verde",
    "CW": "Curaçao",
    "CX": "Christmas Island",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DJ": "Djibouti",
    "DK": "Denmark",
    "DM": "Dominica",
    "DO": "Dominican Republic",
    "DZ": "Algeria",
    "EC": "Ecuador",
    "EE": "Estonia",
    "EG": "Egypt",
    "EH": "Western Sahara",
    "ER": "Eritrea",
    "ES": "Spain",
    "ET": "Ethiopia",
    "FI": "Finland",
    "FJ": "Fiji",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "FO": "Faroe Islands",
    "FR": "France",
    "GA": "Gabon",
    "GB": "United Kingdom",
    "GD": "Grenada",
    "GE": "Georgia",
    "GF": "French Guiana",
    "GG": "Guernsey",
    "GH": "Ghana",
    "GI": "Gibraltar",
    "GL": "Greenland",
    "GM": "Gambia",
    "GN": "Guinea",
    "GP": "Guadeloupe",
    "GQ": "Equatorial Guinea",
    "GR": "Greece",
    "GS": "South Georgia and South Sandwich Islands",
    "GT": "Guatemala",
    "GU": "Guam",
    "GW": "Guinea-Bissau",
    "GY": "Guyana",
    "HK": "Hong Kong",
    "HM": "Heard Island and McDonald Islands",
    "HN": "Honduras",
    "HR": "Croatia",
    "HT": "Haiti",
    "HU": "Hungary",
    "ID": "Indonesia",
    "IE": "Ireland",
    "IL": "Israel",
    "IM": "Isle of Man",
    "IN": "India",
    "IO": "British Indian Ocean Territory",
    "IQ": "Iraq",
    "IR": "Iran",
    "IS": "Iceland",
    "IT": "Italy",
    "JE": "Jersey",
    "JM": "Jamaica",
    "JO": "Jordan",
    "JP": "Japan",
    "KE": "Kenya",
    "KG": "Kyrgyzstan",
    "KH": "Cambodia",
    "KI": "Kiribati",
    "KM": "Comoros",
    "KN": "Saint Kitts and Nevis",
    "KP": "North Korea",
    "KR": "South Korea",
    "KW": "Kuwait",
    "KY": "Cayman Islands",
    "KZ": "Kazakhstan",
    "LA": "Laos",
    "LB": "Lebanon",
    "LC": "Saint Lucia",
    "LI": "Liechtenstein",
    "LK": "Sri Lanka",
    "LR": "Liberia",
    "LS": "Lesotho",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "LY": "Libya",
    "MA": "Morocco",
    "MC": "Monaco",
    "MD": "Moldova",
    "ME": "Montenegro",
    "MF": "Saint Martin",
    "MG": "Madagascar",
    "MH": "Marshall Islands",
    "MK": "North Macedonia",
    "ML": "Mali",
    "MM": "Myanmar",
    "MN": "Mongolia",
    "MO": "Macao",
    "MP": "Northern Mariana Islands",
    "MQ": "Martinique",
    "MR": "Mauritania",
    "MS": "Montserrat",
    "MT": "Malta",
    "MU": "Mauritius",
    "MV": "Maldives",
    "MW": "Malawi",
    "MX": "Mexico",
    "MY": "Malaysia",
    "MZ": "Mozambique",
    "NA": "Namibia",
    "NC": "New Caledonia",
    "NE": "Niger",
    "NF": "Norfolk Island",
    "NG": "Nigeria",
    "NI": "Nicaragua",
    "NL": "Netherlands",
    "NO": "Norway",
    "NP": "Nepal",
    "NR": "Nauru",
    "NU": "Niue",
    "NZ": "New Zealand",
    "OM": "Oman",
    "PA": "Panama",
    "PE": "Peru",
    "PF": "French Polynesia",
    "PG": "Papua New Guinea",
    "PH": "Philippines",
    "PK": "Pakistan",
    "PL": "Poland",
    "PM": "Saint Pierre and Miquelon",
    "PN": "Pitcairn Islands",
    "PR": "Puerto Rico",
    "PS": "Palestine",
    "PT": "Portugal",
    "PW": "Palau",
    "PY": "Paraguay",
    "QA": "Qatar",
    "RE": "Réunion",
    "RO": "Romania",
    "RS": "Serbia",
    "RU": "Russia",
    "RW": "Rwanda",
    "SA": "Saudi Arabia",
    "SB": "Solomon Islands",
    "SC": "Seychelles",
    "SD": "Sudan",
    "SE": "Sweden",
    "SG": "Singapore",
    "SH": "Saint Helena, Ascension and Tristan da Cunha",
    "SI": "Slovenia",
    "SJ": "Svalbard and Jan Mayen",
    "SK": "Slovakia",
    "SL": "Sierra Leone",
    "SM": "San Marino",
    "SN": "Senegal",
    "SO": "Somalia",
    "SR": "Suriname",
    "SS": "South Sudan",
    "ST": "São Tomé and Príncipe",
    "SV": "El Salvador",
    "SX": "Sint Maarten",
    "SY": "Syria",
    "SZ": "Eswatini",
    "TC": "Turks and Caicos Islands",
    "TD": "Chad",
    "TF": "French Southern and Antarctic Lands",
    "TG": "Togo",
    "TH": "Thailand",
    "TJ": "Tajikistan",
    "TK": "Tokelau",
    "TL": "Timor-Leste",
    "TM": "Turkmenistan",
    "TN": "Tunisia",
    "TO": "Tonga",
    "TR": "Türkiye",
    "TT": "Trinidad and Tobago",
    "TV": "Tuvalu",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "UA": "Ukraine",
    "UG": "Uganda",
    "UM": "United States Minor Outlying Islands",
    "US": "United States",
    "UY": "Uruguay",
    "UZ": "Uzbekistan",
    "VA": "Vatican City",
    "VC": "Saint Vincent and Grenadines",
    "VE": "Venezuela",
    "VG": "Virgin Islands (British)",
    "VI": "Virgin Islands (US)",
    "VN": "Vietnam",
    "VU": "Vanuatu",
    "WF": "Wallis and Futuna",
    "WS": "Samoa",
    "XK": "Kosovo",
    "YE": "Yemen",
    "YT": "Mayotte",
    "ZA": "South Africa",
    "ZM": "Zambia",
    "ZW": "Zimbabwe",
}

# Every ISO 639-1 code the forms accepted before BCP 47 tags (183, without the withdrawn
# "sh" and "bh"): recorded cases keep them, so they stay valid even where extinct.
# fmt: off
ISO_639_1: frozenset[str] = frozenset((
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
))
# fmt: on

# The languages the women the network supports most often speak, then the network's own:
# offered first in every language list. Edo is `bin` (ISO 639-3 "Bini").
# fmt: off
COMMON_LANGUAGES: tuple[str, ...] = (
    "ru", "ro", "uk", "en", "bin", "pcm", "ti", "so", "th", "vi", "zh", "es", "bg", "hu", "sq",
    "da", "et", "fi", "is", "lv", "lt", "nb", "no", "sv",
)

# fmt: on

# Where the everyday name in the network differs from the code library's English name.
_ENGLISH_NAMES = {"bin": "Edo"}


def _bcp47_tags() -> list[str]:
    """Living ISO 639-3 languages that CLDR names, as BCP 47 tags (the ISO 639-1 code where
    one exists), plus the old ISO 639-1 codes: about 600 choices, not 7,000 unnamed ones."""
    named = _cldr_languages("en")
    tags = set(ISO_639_1) | set(COMMON_LANGUAGES)
    for language in pycountry.languages:
        living = getattr(language, "type", None) == "L"
        if not living or getattr(language, "scope", None) not in ("I", "M"):
            continue
        tag = getattr(language, "alpha_2", None) or language.alpha_3
        if tag in named:
            tags.add(tag)
    return sorted(tags)


def language_name(tag: str, locale: str = "en") -> str:
    """The name of language `tag` in `locale` ("ryska" for `ru` in Swedish): CLDR's, from
    Babel, else `langcodes`'."""
    if locale == "en" and tag in _ENGLISH_NAMES:
        return _ENGLISH_NAMES[tag]
    name = _cldr_languages(locale).get(tag) or str(langcodes.Language.get(tag).display_name(locale))
    english = _cldr_languages("en").get(tag, "")
    if tag in _ENGLISH_NAMES and name.lower() == english.lower():
        return _ENGLISH_NAMES[tag]  # no name of its own in `locale`: the network's English one
    return str(name)


@cache
def autonym(tag: str) -> str:
    """The language's own name ("русский"), or "" when the code library does not know it
    (e.g. Edo). `langcodes` holds all of them in one table, where Babel would load a
    locale's data for each language."""
    name = str(langcodes.Language.get(tag).autonym())
    return "" if name.lower() == _cldr_languages("en").get(tag, tag).lower() else name


@cache
def _cldr_languages(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).languages)
    except (ValueError, UnknownLocaleError):
        return {}


# BCP 47 tag → English name: the codes every `#/$defs/language` accepts.
LANGUAGES: dict[str, str] = {
    tag: _ENGLISH_NAMES.get(tag) or _cldr_languages("en").get(tag) or tag for tag in _bcp47_tags()
}


def labels_by_name(names: Mapping[str, str], codes: Iterable[str] | None = None) -> dict[str, str]:
    """Code → name for `codes` (default: all), ordered by name as a choice list should be."""
    wanted = names.keys() if codes is None else codes
    return dict(sorted(((code, names[code]) for code in wanted), key=lambda item: item[1]))
