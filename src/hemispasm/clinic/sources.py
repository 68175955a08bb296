"""Source keys for every clinical rule, threshold and dose in :mod:`hemispasm.clinic`.

Each key is listed, with the full citation and what was verified, in the section
"Clinical assessment and treatment" of ``docs/references.md``; a test keeps the two in step.
"""

from __future__ import annotations

#: key -> short citation shown in reports (the full reference is in docs/references.md).
SOURCES: dict[str, str] = {
    "wang_jankovic1998": "Wang & Jankovic 1998, Muscle Nerve 21:1740-1747",
    "yaltho_jankovic2011": "Yaltho & Jankovic 2011, Mov Disord 26:1582-1592",
    "chaudhry2015": "Chaudhry, Srivastava & Joshi 2015, J Neurol Sci 356:27-31",
    "lu2014": "Lu et al. 2014, ScientificWorldJournal 2014:349319",
    "rosenstengel2012": "Rosenstengel et al. 2012, Dtsch Arztebl Int 109:667-673",
    "kemp_reich2004": "Kemp & Reich 2004, Curr Treat Options Neurol 6:175-179",
    "han2009": "1642 HFS cases, Neurosurgery 2009 (PMID 19574834)",
    "zeiler2015": "Zeiler et al. 2015, J Mov Disord 8:103-105",
    "stamey_jankovic2007": "Stamey & Jankovic 2007, Neurology 69:402-404",
    "devoize2001": "Devoize 2001, J Neurol Neurosurg Psychiatry 70:516",
    "miller_miller2012": "Miller & Miller 2012, Br J Neurosurg 26:438-444",
    "li2022_va_mvd": "Li et al. 2022, Neurosurg Rev 45 (MVD in vertebral-artery HFS)",
    "neurolindia2017": "Systematic review 2017, Neurol India 65:493-505 (PMID 28488609)",
    "simpson2008": "Simpson et al. 2008 (AAN), Neurology 70:1699-1706",
    "simpson2016": "Simpson et al. 2016 (AAN), Neurology 86:1818-1826",
    "toxins2021_review": "BoNT for HFS: an update on clinical studies, Toxins 2021 13:881",
    "yu1992": "Yu et al. 1992, Acta Neurol Scand 85:55-57",
    "choe_kim2016": "Choe & Kim 2016, Acta Otolaryngol 136:952-955",
    "thai_fixed_site_mds": "Fixed-site onabotulinumtoxinA for HFS, MDS abstract (Thai HFS-30)",
    "botox_label": "BOTOX (onabotulinumtoxinA) US prescribing information",
    "tegretol_label": "Tegretol (carbamazepine) US prescribing information",
    "benzodiazepine_boxed_warning": "FDA 2020 boxed warning for benzodiazepines",
    "nice_ng12": "NICE NG12 Suspected cancer: recognition and referral (2015)",
    "ucla_head_neck_symptoms": "UCLA Health, Head and neck cancer: symptoms (patient page)",
    "scottish_cancer_referral": "Scottish referral guidelines for suspected cancer: head and neck",
    "dsm5_tics": "DSM-5 criteria for tic disorders (onset before age 18)",
    "jankovic_orman1987": "Jankovic & Orman 1987 (Jankovic Rating Scale)",
    "lee2012_smc": "Lee, Jo, Kong & Park 2012, Stereotact Funct Neurosurg 90:16-19",
    "cohen_albert": "Cohen-Albert spasm intensity scale (original not verified here)",
    "tan2005_hfs7": "Tan et al. 2005, J Neurol Neurosurg Psychiatry 76:1707-1710",
    "baizabal_jankovic2016": (
        "Baizabal-Carvallo & Jankovic 2016, J Neurol (psychogenic vs organic HFS)"
    ),
    "engineering": "hemispasm engineering choice (not a clinical number)",
}


def cite(key: str) -> str:
    """Short citation for ``key`` (raises ``KeyError`` for an unknown key)."""
    return SOURCES[key]
