"""The words generated organisations, people and answers are made of.

Fictional throughout: names made of common words, postcodes in real areas with made-up inward
codes.
"""

NAME_FIRST = (
    "Abbey Acorn Alder Ash Ashfield Aspen Bank Beech Beechwood Birch Bramble Briar Brook "
    "Brookside Cedar Chestnut Clover Copper Elm Elmhurst Fairview Fern Foxglove Greenacres "
    "Hawthorn Hazel Heather Hillcrest Holly Ivy Juniper Lakeside Larch Laurel Lavender Linden "
    "Maple Meadow Meadowbank Millbrook Oak Oakwood Orchard Parkside Pine Poplar Primrose "
    "Riverside Rowan Rose Sandford Southview Springfield Sunnyside Sycamore Thistle Valley "
    "Westfield Willow Windsor Woodlands Yew"
).split()
# A few names with accents, so the accent-insensitive search has something to fold.
NAME_FIRST_ACCENTED = ("Chloé", "Renée", "Zoë", "Beaulieu Café", "Léa", "Noël")
SAINTS = ("St Anne's", "St Mary's", "St John's", "St Luke's", "St Margaret's", "St Joseph's")
NAME_SECOND = (
    "House Lodge Court Manor Grange Hall View Gardens Park Place Mews Villa Cottage Haven"
).split()
NAME_KIND = (
    "",
    "",
    " Care Home",
    " Care Home",
    " Nursing Home",
    " Residential Home",
    " Care Centre",
    " Home Care",
    " Domiciliary Care",
    " Supported Living",
)
HQ_KIND = (
    "Care Group Ltd",
    "Healthcare Limited",
    "Care Services Ltd",
    "Homes Ltd",
    "Care Partnership",
    "Living Ltd",
    "Care Trust",
)
SURNAMES = (
    "Ahmed Allen Baker Bennett Brown Campbell Carter Chen Clarke Cooper Davies Edwards Evans "
    "Fisher Green Hall Harris Hughes Jackson James Johnson Jones Kaur Khan King Lewis Martin "
    "Mitchell Moore Morgan Morris Murphy Nguyen Owen Palmer Parker Patel Phillips Price Roberts "
    "Robinson Scott Shah Singh Smith Taylor Thomas Thompson Turner Walker Ward Watson White "
    "Williams Wilson Wood Wright Young"
).split()
FORENAMES = (
    "Aisha Alice Amir Amy Andrew Anna Ben Chloe Daniel David Emily Emma Fatima George Grace "
    "Hannah Harry Imran Jack James Jane Jo John Joseph Kate Laura Leah Liam Lucy Mark Mary "
    "Mohammed Nadia Olivia Omar Paul Priya Rachel Rebecca Richard Ruth Sam Sarah Sophie Tom Zara"
).split()
STREETS = (
    "Station Church Park Mill School Manor Victoria Green Chapel Queen's King's Albert Grange "
    "Orchard Meadow Bridge West North Springfield Windsor"
).split()
STREET_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Gardens")
# (town, county, postcode area, districts)
PLACES = (
    ("Leeds", "West Yorkshire", "LS", 29),
    ("Bradford", "West Yorkshire", "BD", 24),
    ("Manchester", "Greater Manchester", "M", 40),
    ("Birmingham", "West Midlands", "B", 50),
    ("Bristol", "Bristol", "BS", 40),
    ("Sheffield", "South Yorkshire", "S", 36),
    ("Liverpool", "Merseyside", "L", 38),
    ("Newcastle upon Tyne", "Tyne and Wear", "NE", 40),
    ("Nottingham", "Nottinghamshire", "NG", 34),
    ("Leicester", "Leicestershire", "LE", 19),
    ("Norwich", "Norfolk", "NR", 35),
    ("Exeter", "Devon", "EX", 39),
    ("Plymouth", "Devon", "PL", 35),
    ("York", "North Yorkshire", "YO", 32),
    ("Brighton", "East Sussex", "BN", 45),
    ("Southampton", "Hampshire", "SO", 53),
    ("Reading", "Berkshire", "RG", 45),
    ("Oxford", "Oxfordshire", "OX", 49),
    ("Cambridge", "Cambridgeshire", "CB", 25),
    ("Hull", "East Riding of Yorkshire", "HU", 20),
    ("Stoke-on-Trent", "Staffordshire", "ST", 21),
    ("Derby", "Derbyshire", "DE", 75),
    ("Coventry", "West Midlands", "CV", 37),
    ("Preston", "Lancashire", "PR", 26),
    ("Carlisle", "Cumbria", "CA", 28),
    ("Truro", "Cornwall", "TR", 27),
    ("Lincoln", "Lincolnshire", "LN", 13),
    ("Ipswich", "Suffolk", "IP", 33),
    ("Canterbury", "Kent", "CT", 21),
    ("Bath", "Somerset", "BA", 22),
    ("Durham", "County Durham", "DH", 9),
    ("London", "Greater London", "SE", 28),
    ("London", "Greater London", "N", 22),
    ("Croydon", "Greater London", "CR", 9),
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
SECTORS_SITE = ("Care Home", "Care Home", "Domiciliary Care Organisation", "Social Care")

TEXT_ANSWERS = (
    "Our registered manager is accountable; it is written into their job description and was "
    "confirmed by the directors at the board meeting in May.",
    "We keep the procedure in the policy folder in the office and review it every year.",
    "All staff complete data security awareness training at induction and every year after.",
    "The deputy manager checks this monthly and records the outcome in the audit file.",
    "We use the Digital Care Hub templates, adapted to our service, and the owner signs them off.",
)
DOCUMENT_LOCATIONS = (
    "Policies folder, manager's office",
    "Shared drive: Governance/Data security",
    "Staff handbook, section 4",
)
PLAN_ACTIONS = (
    "Book the outstanding training for night staff and record completion.",
    "Write the procedure using the Digital Care Hub template and agree it at the team meeting.",
    "Ask our IT supplier for written confirmation and file it with the asset register.",
)
