"""Punctuation that differs between the platform's languages, from the catalogue like any other word."""

from django.utils.translation import gettext_lazy, pgettext_lazy

# What Django puts after every form label (forms.Form.label_suffix is gettext(":")): Django's own zh-Hans catalogue
# keeps the ASCII colon; the platform's (core, which takes precedence) gives the full-width "：" Chinese text uses.
LABEL_SUFFIX = gettext_lazy(":")

# Between a label and its value in running text: ": " in English, "：" (no space) in Chinese.
COLON = gettext_lazy(": ")

# Between the items of a list of names: ", " in English, the enumeration comma "、" in Chinese (its own context:
# Django's ", " joins durations, where Chinese keeps "，").
LIST_SEPARATOR = pgettext_lazy("between names", ", ")
