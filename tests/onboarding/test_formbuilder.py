"""The KYC form built from the provider's configuration, fed arbitrary configurations."""

from __future__ import annotations

import string
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyc.models import Verification
from kyc.providers.dollarpe.adapter import DollarPeProvider, one_line_address
from kyc.providers.errors import InvalidResponseError
from kyc.providers.interface import AdditionalField, FormSpec
from onboarding.formbuilder import SpecFormMixin, humanise, plan_form
from onboarding.forms import AdditionalInfoFixForm, KycForm

parse_form_spec = DollarPeProvider().parse_form_spec

RESIDENT = {
    "supported_document_types": ["AADHAAR", "PASSPORT", "VOTER_ID", "DRIVING_LICENSE"],
    "additional_info_required": {
        "options": ["income_range", "profession"],
        "rules": {"type": "allOf", "min_required": 2},
        "income_range": {"type": "string", "required": True},
        "profession": {"type": "string", "required": True},
    },
}
NON_RESIDENT = {
    "supported_document_types": ["PASSPORT"],
    "additional_info_required": {
        "options": ["ssn_number", "visa", "favourite_colour"],
        "rules": {"type": "anyOf", "min_required": 1},
        "ssn_number": {"type": "string", "required": False},
        "visa": {"type": "url", "required": False},
        "favourite_colour": {"type": "colour", "required": False},
    },
}


class InfoOnly(SpecFormMixin):
    with_document_type = False


def valid_kyc_data(**overrides: Any) -> dict[str, Any]:
    born = timezone.localdate().replace(year=1990)
    data = {
        "address_line1": "12 MG Road",
        "city": "Bengaluru",
        "postal_code": "560001",
        "address_country": "IND",
        "dob": born.isoformat(),
        "tax_number": "abcpe1234f",
        "document_type": "PASSPORT",
        "document_number": "J8369854",
    }
    return data | overrides


def test_the_documented_configuration_gives_its_choices_and_required_fields():
    plan = plan_form(parse_form_spec(RESIDENT))
    form = KycForm(plan=plan)
    values = [value for value, _ in form["document_type"].field.choices if value]  # type: ignore[attr-defined]
    assert values == RESIDENT["supported_document_types"]
    assert [f.label for f in form.info_fields] == ["Income range", "Profession"]
    assert all(f.field.required for f in form.info_fields)


def test_types_url_string_and_unknown_become_url_text_and_text():
    form = KycForm(plan=plan_form(parse_form_spec(NON_RESIDENT)))
    kinds = [type(bound.field).__name__ for bound in form.info_fields]
    assert kinds == ["CharField", "URLField", "CharField"]
    assert not any(bound.field.required for bound in form.info_fields)
    assert form.info_rule_text == "Fill in at least 1 of these fields."


def test_any_of_min_required_is_enforced_with_a_clear_message():
    plan = plan_form(parse_form_spec(NON_RESIDENT))
    form = KycForm(valid_kyc_data(), plan=plan)
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Fill in at least 1 of: Social Security number, Link to your visa, Favourite colour."
    ]
    filled = KycForm(valid_kyc_data(info_1="visa.example.com/v/1"), plan=plan)
    assert filled.is_valid(), filled.errors
    assert filled.cleaned_data["additional_info"] == {"visa": "https://visa.example.com/v/1"}
    assert filled.cleaned_data["tax_number"] == "ABCPE1234F"


def test_all_of_requires_every_option_whatever_min_required_says():
    spec = FormSpec(
        ["PASSPORT"],
        [AdditionalField("a", "string", False), AdditionalField("b", "string", False)],
        rule="allOf",
        min_required=1,
    )
    form = InfoOnly({"info_0": "x"}, plan=plan_form(spec))
    assert not form.is_valid()
    assert "info_1" in form.errors


@pytest.mark.parametrize(
    "spec",
    [
        FormSpec([]),
        FormSpec(["", "PASSPORT"]),
        FormSpec(["PASSPORT"], [AdditionalField(" ", "string", True)]),
        FormSpec(["PASSPORT"], rule="oneOf"),
        FormSpec(["PASSPORT"], [AdditionalField("a", "string", True)], "anyOf", 2),
        FormSpec(["PASSPORT"], min_required=-1),
    ],
)
def test_an_unsatisfiable_or_broken_spec_is_refused_as_a_malformed_answer(spec):
    with pytest.raises(InvalidResponseError):
        plan_form(spec)


def test_provider_field_names_never_clash_with_ours():
    spec = FormSpec(
        ["PASSPORT"],
        [AdditionalField("document_type", "string", True), AdditionalField("dob", "url", True)],
        rule="anyOf",
        min_required=0,
    )
    form = KycForm(valid_kyc_data(info_0="hello", info_1="https://x.example"), plan=plan_form(spec))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["document_type"] == "PASSPORT"
    assert form.cleaned_data["additional_info"] == {
        "document_type": "hello",
        "dob": "https://x.example",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tax_number": "ABCDE12345"}, "tax_number"),
        ({"tax_number": "ABCCE1234F"}, "tax_number"),  # a company's PAN, not a person's
        ({"dob": "2999-01-01"}, "dob"),
        ({"dob": timezone.localdate().replace(year=timezone.localdate().year - 10)}, "dob"),
        ({"document_type": "AADHAAR", "document_number": "1234"}, "document_number"),
        ({"document_type": "DRIVING_LICENSE"}, "document_type"),
        ({"address_country": "XXX"}, "address_country"),
    ],
)
def test_local_checks_of_the_kyc_details(changes, field):
    # DollarPe's form: its PAN and its Aadhaar rule come from its package, through the FormSpec.
    spec = parse_form_spec({"supported_document_types": ["PASSPORT", "AADHAAR"]})
    form = KycForm(valid_kyc_data(**changes), plan=plan_form(spec))
    assert not form.is_valid()
    assert field in form.errors


def test_a_provider_that_asks_no_tax_number_gets_none():
    form = KycForm(valid_kyc_data(tax_number=""), plan=plan_form(FormSpec(["PASSPORT"])))
    assert "tax_number" not in form.fields
    assert form.is_valid(), form.errors
    applicant = Verification(full_name="Asha Rao", phone="+919876543210")
    assert "tax_number" not in form.submission_data(applicant)


def test_the_address_is_kept_structured_and_dollarpe_gets_it_as_one_line(settings):
    form = KycForm(
        valid_kyc_data(address_line2="Flat 4", region="Karnataka"),
        plan=plan_form(parse_form_spec({"supported_document_types": ["PASSPORT"]})),
    )
    assert form.is_valid(), form.errors
    assert form.address() == {
        "line1": "12 MG Road",
        "line2": "Flat 4",
        "city": "Bengaluru",
        "region": "Karnataka",
        "postal_code": "560001",
        "country": "IND",
    }
    assert one_line_address({"address": form.address()}) == (
        "12 MG Road, Flat 4, Bengaluru Karnataka 560001, India"
    )
    assert one_line_address({"full_address": "7 Park Street"}) == "7 Park Street"  # older rows


def test_humanise():
    assert humanise("income_range") == "Income range"
    assert humanise("VOTER-ID") == "Voter id"


# --- Property-based: arbitrary configurations ---------------------------------------------
names = st.text(min_size=0, max_size=120)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | names
field_specs = (
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["string", "url", "number", "", "URL"]) | json_scalars,
            "required": st.booleans() | json_scalars,
        },
    )
    | json_scalars
)
raw_configs = st.fixed_dictionaries(
    {},
    optional={
        "supported_document_types": st.lists(names, max_size=6) | json_scalars,
        "additional_info_required": st.none()
        | json_scalars
        | st.fixed_dictionaries(
            {},
            optional={
                "options": st.lists(names, max_size=6) | json_scalars,
                "rules": st.fixed_dictionaries(
                    {},
                    optional={
                        "type": st.sampled_from(["allOf", "anyOf", "oneOf"]) | json_scalars,
                        "min_required": st.integers(-2, 8) | json_scalars,
                    },
                )
                | json_scalars,
            },
        ).flatmap(
            lambda spec: st.dictionaries(names, field_specs, max_size=4).map(
                lambda extra: {**extra, **spec} if isinstance(spec, dict) else spec
            )
        ),
    },
)
simple_names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=20)
specs = st.builds(
    FormSpec,
    document_types=st.lists(names, max_size=5),
    additional_fields=st.lists(
        st.builds(AdditionalField, name=names, type=names, required=st.booleans()), max_size=6
    ),
    rule=st.sampled_from(["allOf", "anyOf"]) | names,
    min_required=st.integers(-3, 8),
)
quick = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _build_or_refuse(spec: FormSpec) -> Any:
    """A usable plan and a form that renders, or InvalidResponseError: nothing else."""
    try:
        plan = plan_form(spec)
    except InvalidResponseError:
        return None
    form = KycForm(plan=plan)
    form.as_div()  # renders whatever the names contain
    assert 0 <= plan.min_required <= len(plan.info_fields)
    assert len({info.form_name for info in plan.info_fields}) == len(plan.info_fields)
    return plan


@quick
@given(raw=raw_configs)
def test_any_raw_configuration_parses_to_a_form_or_a_malformed_answer(raw):
    try:
        spec = parse_form_spec(raw)
    except InvalidResponseError:
        return
    _build_or_refuse(spec)


@quick
@given(spec=specs)
def test_any_spec_builds_a_form_or_is_refused(spec):
    _build_or_refuse(spec)


@quick
@given(spec=specs, data=st.data())
def test_the_rule_holds_for_any_answers(spec, data):
    plan = _build_or_refuse(spec)
    if plan is None:
        return
    answers = {
        info.form_name: data.draw(st.sampled_from(["", "some value", "https://ok.example/x"]))
        for info in plan.info_fields
    }
    form = InfoOnly(answers, plan=plan)
    if form.is_valid():
        given_names = form.cleaned_data["additional_info"]
        assert len(given_names) >= plan.min_required
        required = {info.name for info in plan.info_fields if info.required}
        assert required <= set(given_names)
    else:
        assert form.errors


@quick
@given(
    options=st.lists(simple_names, min_size=1, max_size=5, unique=True),
    rule=st.sampled_from(["allOf", "anyOf"]),
    data=st.data(),
)
def test_filling_every_field_always_satisfies_a_valid_configuration(options, rule, data):
    minimum = data.draw(st.integers(0, len(options)))
    raw = {
        "supported_document_types": ["PASSPORT"],
        "additional_info_required": {
            "options": options,
            "rules": {"type": rule, "min_required": minimum},
            **{name: {"type": "string", "required": data.draw(st.booleans())} for name in options},
        },
    }
    plan = plan_form(parse_form_spec(raw))
    form = AdditionalInfoFixForm({f"info_{i}": "x" for i in range(len(options))}, plan=plan)
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["additional_info"]) == set(options)
