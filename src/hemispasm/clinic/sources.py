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
    "han2009": "Han et al. 2009, Neurosurgery 65:130-137 (unusual causes of HFS, 1642 cases)",
    "zeiler2015": "Zeiler et al. 2015, J Mov Disord 8:103-105",
    "stamey_jankovic2007": "Stamey & Jankovic 2007, Neurology 69:402-404",
    "devoize2001": "Devoize 2001, J Neurol Neurosurg Psychiatry 70:516",
    "miller_miller2012": "Miller & Miller 2012, Br J Neurosurg 26:438-444",
    "li2022_va_mvd": "Li et al. 2022, Neurosurg Rev 45 (MVD in vertebral-artery HFS)",
    "neurolindia2017": "Systematic review 2017, Neurol India 65:493-505 (PMID 28488609)",
    "simpson2008": "Simpson et al. 2008 (AAN), Neurology 70:1699-1706 (retired guideline)",
    "simpson2016": "Simpson et al. 2016 (AAN), Neurology 86:1818-1826",
    "toxins2021_review": "BoNT for HFS: an update on clinical studies, Toxins 2021 13:881",
    "yu1992": "Yu et al. 1992, Acta Neurol Scand 85:55-57",
    "choe_kim2016": "Choe & Kim 2016, Acta Otolaryngol 136:952-955",
    "thai_fixed_site_mds": "Fixed-site onabotulinumtoxinA for HFS, MDS abstract (Thai HFS-30)",
    "botox_label": "BOTOX (onabotulinumtoxinA) US prescribing information",
    "tegretol_label": "Tegretol (carbamazepine) US prescribing information",
    "benzodiazepine_boxed_warning": "FDA 2020 boxed warning for benzodiazepines",
    "nice_ng12": "NICE NG12 Suspected cancer: recognition and referral (2015)",
    "nice_ng12_cns": "NICE NG12: brain and CNS cancer, adults (direct-access MRI within 2 weeks)",
    "nice_ng12_upper_gi": "NICE NG12: oesophageal and stomach cancer (direct-access endoscopy)",
    "ucla_head_neck_symptoms": "UCLA Health, Head and neck cancer: symptoms (patient page)",
    "scottish_cancer_referral": "Scottish referral guidelines for suspected cancer: head and neck",
    "dsm5_tics": "DSM-5-TR criteria for tic disorders (onset before age 18)",
    "jankovic_orman1987": "Jankovic & Orman 1987 (Jankovic Rating Scale)",
    "lee2012_smc": "Lee, Jo, Kong & Park 2012, Stereotact Funct Neurosurg 90:16-19",
    "cohen_albert": "Cohen-Albert spasm intensity scale (original not verified here)",
    "tan2005_hfs7": "Tan et al. 2005, J Neurol Neurosurg Psychiatry 76:1707-1710",
    "baizabal_jankovic2017": (
        "Baizabal-Carvallo & Jankovic 2017, J Neurol (psychogenic vs organic HFS)"
    ),
    "tan_jankovic2001": "Tan & Jankovic 2001, J Neuropsychiatry Clin Neurosci 13:380-384",
    "medscape_hfs_ddx": "Gulevich, Hemifacial spasm differential diagnoses, Medscape (2019)",
    "sharma1992_myokymia": "Sharma et al. 1992, J Postgrad Med 38:37-40 (facial myokymia)",
    "kaufman1989_dyskinesias": "Kaufman 1989, Facial dyskinesias (review)",
    "hfs_ddx_chapter2020": "Clinical symptoms and differential diagnosis of HFS, Springer 2020",
    "jung2021_young_onset": "Jung et al. 2021, Neurofunction 17(2) (young-onset HFS, 151 cases)",
    "lee2020_lsr": "Preoperative lateral spread response as a diagnostic tool, Neurosurg Rev 2020",
    "tegretol_smpc_pregnancy": "Tegretol (carbamazepine) prescribing information: pregnancy",
    "mhra_benzodiazepines_pregnancy": "MHRA, Benzodiazepines: pregnancy and breastfeeding",
    "acr_gadolinium_pregnancy": "ACR, Gadolinium pregnancy screening statement",
    "dysport_smpc_pregnancy": "Dysport (abobotulinumtoxinA) prescribing information: pregnancy",
    "botox_label_blepharospasm": "BOTOX US prescribing information: blepharospasm dosing",
    "frevert2015": "Frevert 2015, Drugs R D 15:1-9 (BoNT-A products, immunogenicity)",
    "synkinesis_consensus2022": (
        "Facial synkinesis consensus, International Head and Neck Scientific Group (2022)"
    ),
    "acog_nonobstetric_surgery": (
        "ACOG Committee Opinion 775 (2019), Nonobstetric surgery during pregnancy"
    ),
    "selvapandian1999": "Selvapandian & Rajshekhar 1999, Neurol India 47:241-2 (facial myokymia)",
    "baldauf2019": "Baldauf, Rosenstengel & Schroeder 2019, Dtsch Arztebl Int 116:54-60",
    "neurosigns_blepharospasm": "neurosigns.org, Blepharospasm (after DeJong's neurologic exam)",
    "clinical_neurology_hfs": "Hemifacial spasm, clinical neurology textbook chapter",
    "premonitory_urge_jnp": "Premonitory urge in Tourette syndrome, J Neuropsych Clin Neurosci",
    "ryu1998_atypical": "Ryu, Yamamoto & Miyamoto 1998, Acta Neurochir 140:1173-1176",
    "neurology1979_hfs_emg": "Hemifacial spasm: clinical and electrophysiologic observations, "
    "Neurology 1979",
    "pizarro_otero2009_aes": "Pizarro-Otero et al. 2009, AES abstract 1.120 (facial movements)",
    "engineering": "hemispasm engineering choice (not a clinical number)",
}


#: Guidelines that have been retired: shown with "(retired)" wherever they are cited.
RETIRED: dict[str, str] = {
    "simpson2008": "AAN 2008 assessment, retired; the 2016 update covers blepharospasm, not HFS",
}


def cite(key: str) -> str:
    """Short citation for ``key`` (raises ``KeyError`` for an unknown key)."""
    return SOURCES[key]
