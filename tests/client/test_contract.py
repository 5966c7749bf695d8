"""The client/hub contract is one module: the hub's choices, limits and key ids are its values."""

import pytest
from vigil_client import addresses, cli, contract, hub, reporting, tokens

from apps.indicators import services as indicator_services
from apps.indicators.models import Category, Confidence, Report, Tlp, Visibility
from apps.matching.api import views as matching_views
from apps.matching.api.reports import ReportItemSerializer, ReportListApi
from apps.oprf import services as oprf_services
from apps.oprf.api.views import OprfEvaluateApi
from apps.organisations.models import Organisation, Sector


@pytest.mark.parametrize(
    ("choices", "values"),
    [
        (Category, contract.CATEGORIES),
        (Confidence, contract.CONFIDENCES),
        (Visibility, contract.VISIBILITIES),
        (Tlp, contract.TLPS),
        (Sector, contract.SECTORS),
    ],
    ids=["categories", "confidences", "visibilities", "tlps", "sectors"],
)
def test_the_models_choices_are_the_contracts_values_in_order(choices, values) -> None:
    assert tuple(choices.values) == values


def test_the_models_fields_use_those_choices_and_fit_the_contracts_lengths() -> None:
    fields = {field.name: field for field in Report._meta.get_fields() if hasattr(field, "max_length")}
    assert [value for value, _ in fields["category"].choices] == list(contract.CATEGORIES)
    assert [value for value, _ in Organisation._meta.get_field("sector").choices] == list(contract.SECTORS)
    assert fields["key_id"].max_length == contract.KEY_ID_LENGTH
    assert fields["namespace"].max_length >= max(map(len, contract.NAMESPACES))
    assert fields["reference"].max_length == contract.REFERENCE_MAX_LENGTH
    assert fields["value_currency"].max_length == contract.CURRENCY_MAX_LENGTH


def test_the_api_serializers_enforce_the_contracts_limits() -> None:
    report_batch = ReportListApi.InputSerializer().fields["items"]
    screen = matching_views.ScreenApi.InputSerializer().fields
    evaluate = OprfEvaluateApi.InputSerializer().fields
    assert report_batch.max_length == contract.REPORT_BATCH_MAX
    assert screen["tokens"].max_length == contract.SCREEN_BATCH_MAX
    assert evaluate["blinded_elements"].max_length == contract.EVALUATE_BATCH_MAX
    assert tuple(screen["sighting_visibility"].choices) == contract.SIGHTING_VISIBILITIES
    item = ReportItemSerializer().fields
    assert tuple(item["confidence"].choices) == contract.CONFIDENCES
    assert item["reference"].max_length == contract.REFERENCE_MAX_LENGTH
    assert item["value_currency"].max_length == contract.CURRENCY_MAX_LENGTH
    for key_id in (item["key_id"], screen["key_id"], evaluate["key_id"]):
        assert key_id.max_length == contract.KEY_ID_LENGTH


def test_the_hubs_services_take_their_limits_and_namespaces_from_the_contract() -> None:
    assert indicator_services.MAX_BATCH == contract.REPORT_BATCH_MAX
    assert indicator_services.NAMESPACES is contract.NAMESPACES
    assert matching_views.MAX_SCREEN == contract.SCREEN_BATCH_MAX
    assert oprf_services.MAX_BATCH == contract.EVALUATE_BATCH_MAX


def test_hub_and_client_name_keys_with_the_one_key_id_function() -> None:
    assert oprf_services.key_id_for is contract.key_id_for
    assert hub.key_id_for is contract.key_id_for
    key_id = contract.key_id_for(bytes(32))
    assert len(key_id) == contract.KEY_ID_LENGTH
    assert key_id != contract.key_id_for(bytes(31) + b"\x01")


def test_the_client_checks_files_against_the_same_contract() -> None:
    assert addresses.NAMESPACES is contract.NAMESPACES
    assert (reporting.CATEGORIES, reporting.SECTORS, reporting.TLPS) == (
        contract.CATEGORIES,
        contract.SECTORS,
        contract.TLPS,
    )
    assert reporting.MAX_SCREEN == contract.SCREEN_BATCH_MAX
    assert tokens.MAX_BATCH == contract.EVALUATE_BATCH_MAX
    assert cli.SIGHTING_VISIBILITIES is contract.SIGHTING_VISIBILITIES


def test_the_client_refuses_a_report_batch_larger_than_the_hub_accepts() -> None:
    reporting.ReportOptions.from_text({}, batch_size=contract.REPORT_BATCH_MAX)
    with pytest.raises(reporting.ReportFileError, match=str(contract.REPORT_BATCH_MAX)):
        reporting.ReportOptions.from_text({}, batch_size=contract.REPORT_BATCH_MAX + 1)
