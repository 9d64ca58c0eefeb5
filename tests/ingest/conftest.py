"""Fixtures for the corpus-format tests: Word files, saved web pages, manifests, languages."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"

FRENCH = ("Le Processus de Kimberley est critiqué par les organisations de la société civile : "
          "selon elles, le système de certification ne garantit pas que les diamants bruts "
          "exportés sont exempts de violations des droits humains. Les gouvernements "
          "participants décident par consensus et les ONG n'ont qu'un statut d'observateur, "
          "ce qui limite leur influence sur les décisions et sur la surveillance des pays.")
SPANISH = ("La Iniciativa para la Transparencia de las Industrias Extractivas (EITI) exige que "
           "los gobiernos publiquen los pagos que reciben de las empresas mineras y petroleras. "
           "Las organizaciones de la sociedad civil denuncian que en varios países sus "
           "representantes en el grupo multipartícipe fueron hostigados y que la validación no "
           "tuvo en cuenta estas restricciones a su participación.")


@pytest.fixture
def registry():
    from pipeline.rules.registry import load_registry

    return load_registry()
