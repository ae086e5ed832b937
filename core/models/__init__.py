"""The data model. Importing this package registers every table on ``Base.metadata``."""
from .base import Base
from .catalog import CatalogItem
from .intake import ImportRecord
from .ledger import ALLOWED_TRANSITIONS, Approval, AuditEntry, PushLock, Submission, SubmissionState
from .org import Group, Office, Person, PersonRole, Role
from .plan import (Activity, BudgetLine, EmesIndicator, EmesPoint, EmesStandard, InspectionIndicator, InspectionPoint,
                   InspectionPolicy, InspectionSource, Kpi, KpiKind, Project, ProjectLink, Strategy, TargetGroup)
from .results import (PROGRESS_STATUS_TH, ActivityProgress, EmesResult, EvidenceFile, InspectionResult, KpiResult,
                      ProgressStatus, ProjectProgress)

__all__ = [name for name in dir() if not name.startswith("_")]
