"""How strong a dashboard password must be (issue #25), the same for every role.

A password is refused, with a French reason, when it is shorter than :data:`MIN_LENGTH` characters, or when
zxcvbn (Dropbox's maintained strength estimator, package ``zxcvbn``: dictionaries of the 30,000 most common
passwords, English words, names and keyboard patterns; repeats, sequences, dates, l33t substitutions)
estimates that it falls in fewer than 10^8 guesses (score under :data:`MIN_SCORE`). The account's name,
the product's own words and a short list of common French passwords and words (:data:`FRENCH`, which
zxcvbn's English lists lack) count as known words.
"""

from __future__ import annotations

MIN_LENGTH = 12
MIN_SCORE = 3  # zxcvbn: 3 = « safely unguessable » (10^8 guesses or more, an online attack's reach)

# Common French passwords and words (the top of public French password leak statistics, the names of the
# product and of its users' trade), ranked like a dictionary of zxcvbn: a password made of them is weak.
FRENCH = [
    "motdepasse",
    "azerty",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "soleil",
    "bonjour",
    "doudou",
    "loulou",
    "chouchou",
    "marseille",
    "paris",
    "france",
    "nicolas",
    "camille",
    "julien",
    "amour",
    "jetaime",
    "coucou",
    "chocolat",
    "bienvenue",
    "secret",
    "insertion",
    "certification",
    "competences",
    "rncp",
    "direction",
    "qualite",
    "analyste",
    "partenaire",
    "enquete",
    "tableau",
    "connexion",
    "utilisateur",
    "administrateur",
    "admin",
]

# zxcvbn's pattern -> what the French reason says of it
PATTERNS = {
    "repeat": "une répétition (« aaaa », « abcabc »)",
    "sequence": "une suite (« 1234 », « abcd »)",
    "spatial": "une suite de touches du clavier (« azerty », « qwerty »)",
    "date": "une date",
    "dictionary": "un mot de passe courant ou un mot du dictionnaire",
    "regex": "une année",
}


class WeakPassword(ValueError):
    """A password refused; the message (French) says why."""


def weakness(password: str, name: str = "") -> str | None:
    """Why ``password`` is refused for the account ``name`` (French), or None when it is strong enough."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Mot de passe trop court : {MIN_LENGTH} caractères au moins."
    if not password.strip():
        return "Mot de passe refusé : il ne contient que des espaces."
    from zxcvbn import zxcvbn

    known = [w for w in [name, *name.replace("-", ".").replace("_", ".").split(".")] if w] + FRENCH
    # zxcvbn's cost grows with the length; a passphrase of more than 100 characters is judged on its start
    result = zxcvbn(password[:100], user_inputs=known)
    if result["score"] >= MIN_SCORE:
        return None
    found = []
    for match in result["sequence"]:
        pattern = match.get("pattern")
        if pattern == "dictionary" and match.get("dictionary_name") == "user_inputs":
            word = match.get("matched_word", "")
            found.append("l'identifiant du compte" if name and word == name.lower() else f"le mot « {word} »")
        elif pattern in PATTERNS:
            found.append(PATTERNS[pattern])
    reasons = list(dict.fromkeys(found))
    why = f" : il contient {', '.join(reasons)}" if reasons else ""
    return (
        f"Mot de passe trop facile à deviner{why}. Choisissez une phrase de passe de plusieurs mots sans "
        "rapport entre eux, ou une suite de caractères variés (12 au moins)."
    )


def check(password: str, name: str = "") -> str:
    """``password`` when it is strong enough; :class:`WeakPassword` (French) otherwise."""
    reason = weakness(password, name)
    if reason:
        raise WeakPassword(reason)
    return password
