"""The composer's service surface: its parts re-exported, so that views and tests call the composer in one place."""

from __future__ import annotations

from .catalog import DIMENSIONS as DIMENSIONS
from .catalog import MAX_DIMENSIONS as MAX_DIMENSIONS
from .catalog import MAX_MEASURES as MAX_MEASURES
from .catalog import MEASURES as MEASURES
from .catalog import Dimension as Dimension
from .catalog import Measure as Measure
from .definitions import FILTER_NAMES as FILTER_NAMES
from .definitions import Definition as Definition
from .definitions import as_of_text as as_of_text
from .definitions import parse_as_of as parse_as_of
from .errors import AsOfError as AsOfError
from .errors import DefinitionNameError as DefinitionNameError
from .errors import DuplicateChoiceError as DuplicateChoiceError
from .errors import ExportUnreadableError as ExportUnreadableError
from .errors import MeasureNotBySourceError as MeasureNotBySourceError
from .errors import NoDimensionError as NoDimensionError
from .errors import NoMeasureError as NoMeasureError
from .errors import ReportDefinitionError as ReportDefinitionError
from .errors import ReportDefinitionNotFoundError as ReportDefinitionNotFoundError
from .errors import TooManyDimensionsError as TooManyDimensionsError
from .errors import TooManyMeasuresError as TooManyMeasuresError
from .errors import UnknownDimensionError as UnknownDimensionError
from .errors import UnknownMeasureError as UnknownMeasureError
from .exports import XLSX_MIME as XLSX_MIME
from .exports import Verification as Verification
from .exports import export as export
from .exports import read_export as read_export
from .exports import to_csv as to_csv
from .exports import to_xlsx as to_xlsx
from .exports import verify_export as verify_export
from .saved import definitions_of as definitions_of
from .saved import delete_definition as delete_definition
from .saved import get_definition as get_definition
from .saved import save_definition as save_definition
from .saved import stored_definition as stored_definition
from .statement import statement as statement
from .table import ReportTable as ReportTable
from .table import Row as Row
from .table import build as build
from .table import checksum as checksum
