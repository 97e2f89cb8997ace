"""Embedded name and street lists. Small on purpose: realism comes from the mix, not the size.

Lists are grouped so names vary with the household's race/ethnicity, which varies by state
(``geo.RACE_MIX``). Accented letters (José, Peña) are legitimate Unicode and stay unlabelled: a
look-alike detector must not confuse them with planted Cyrillic letters.
"""

from __future__ import annotations


def words(text: str) -> list[str]:
    # Underscores join multi-word names; they become spaces.
    return [w.replace("_", " ") for w in text.split()]


FIRST_F_GENERAL = words("""Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen
Lisa Nancy Betty Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah
Stephanie Rebecca Sharon Laura Cynthia Amy Angela Brenda Emma Olivia Ava Sophia Mia Harper Amelia
Madison Abigail Chloe Grace Hannah Brianna Destiny Jasmine Aaliyah Kayla Taylor Tiffany Crystal
Shanice Keisha Latoya Ebony Imani Zoe Layla Nevaeh Alexis Morgan Brittany Heather Megan Rachel
Samantha Nicole Danielle Courtney Tanya Wanda Gloria Dorothy Ruth Joyce Evelyn Shirley Joan Judith
Diane Alice Jean Doris Marilyn Theresa Kathleen Rose""")

FIRST_M_GENERAL = words("""James Robert John Michael David William Richard Joseph Thomas
Christopher Charles Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin
Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen
Larry Justin Scott Brandon Benjamin Samuel Gregory Frank Raymond Patrick Jack Dennis Jerry Tyler
Aaron Henry Liam Noah Oliver Elijah Lucas Mason Ethan Logan Aiden Jayden Jaylen DeShawn Malik
Darnell Terrell Andre Marcus Tyrone Jamal Xavier Isaiah Caleb Dylan Austin Cody Travis Wayne Roger
Harold Walter Eugene Ralph Louis Billy Bobby""")

FIRST_F_HISPANIC = words("""Maria María Guadalupe Rosa Ana Carmen Sofia Valentina Camila Ximena
Daniela Lucia Juana Leticia Yesenia Marisol Alejandra Gabriela Adriana Veronica Elena Isabel
Claudia Patricia Araceli Esperanza Yolanda Silvia Beatriz Margarita Josefina Dolores Graciela Rocio
Itzel Jimena Valeria Mariana Natalia Paola Fernanda Andrea Brenda Karla Lorena Norma Reyna Alondra
Dulce Estrella Luz Perla Yadira Marisela Consuelo Socorro""")

FIRST_M_HISPANIC = words("""José Jose Juan Luis Carlos Jesús Jesus Miguel Jorge Pedro Francisco
Mateo Santiago Diego Alejandro Ángel Angel Manuel Ricardo Fernando Javier Antonio Rafael Roberto
Eduardo Sergio Raul Ramón Alberto Arturo Enrique Hector Oscar Rogelio Salvador Armando Guillermo
Ernesto Alfredo Ignacio Emiliano Sebastian Leonardo Joaquin Adrian Cristian Julio Victor Marco
Ruben Ismael Gerardo Efrain Rodrigo Abel""")

FIRST_F_ASIAN = words("""Mei Lin Linh Thi Hoa Mai Lan Ngoc Trang Huong Ji-woo Min-ji Seo-yeon
Ha-eun Priya Ananya Aditi Kavya Deepa Sunita Yuki Aiko Haruka Sakura Xiu Ying Jing Li Fang Wen Hui
Maricel Rosalie Jocelyn Analyn Divya Fatima Ayesha Nasrin""")

FIRST_M_ASIAN = words("""Wei Jun Minh Tuan Duc Hung Long Quang Thanh Min-jun Ji-ho Hyun Arjun Raj
Rohan Vikram Sanjay Amit Ravi Hiroshi Kenji Takeshi Haruto Hao Jian Ming Bo Cheng Jose Mark Rommel
Jerome Ahmed Imran Farhan Tenzin Sokha Vannak""")

LAST_GENERAL = words("""Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor
Thomas Moore Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen King
Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker
Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell
Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray James Hughes Price Sanders Myers
Long Ross Foster Olson Schmidt Mueller Kowalski Novak Sullivan O'Brien McCarthy Murray Fisher Hayes
Ellis Graham Hamilton Wallace Butler Simmons Washington Jefferson Banks Freeman Coleman Jenkins
Perry Powell Patterson Henderson St._Clair Van_Dyke""")

LAST_HISPANIC = words("""Garcia García Rodriguez Rodríguez Martinez Hernandez Lopez Gonzalez Perez
Sanchez Ramirez Torres Flores Rivera Gomez Diaz Reyes Morales Cruz Ortiz Gutierrez Chavez Ramos
Ruiz Alvarez Mendoza Castillo Jimenez Vasquez Romero Herrera Medina Aguilar Vargas Guzman Salazar
Muñoz Munoz Rojas Contreras Dominguez Estrada Delgado Peña Ibáñez Navarro Soto Castro Vega Fuentes
Carrillo Espinoza Sandoval Ochoa Cervantes Trujillo Zamora Villanueva Orozco Figueroa Maldonado
Rosales Cisneros De_La_Cruz""")

LAST_ASIAN = words("""Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do Ho Ngo Duong Huynh Kim Park
Choi Jung Kang Cho Yoon Chen Wang Li Zhang Liu Yang Huang Wu Lin Zhou Xu Sun Ma Zhu Patel Singh
Shah Kumar Sharma Gupta Khan Ali Rahman Santos Reyes Bautista Dela_Cruz Tanaka Sato Suzuki
Takahashi Wong Chang Lee Chan Lam""")

LAST_PACIFIC = words("""Kahale Kealoha Kamakana Kahananui Akana Fonoti Tuilagi Leota Mahe Tupou
Faleolo Salave'a Taufa Fifita Lealaiauloto Mata'afa Aumua Tapusoa Sablan Cruz""")

LAST_NATIVE = words("""Begay Yazzie Benally Tsosie Nez Etsitty Harjo Tso Chee Deschenie Whitehorse
Redcloud Two_Bulls Yellowhorse Attakai Manygoats Lente Chavis Oxendine Locklear""")

LAST_AFRICAN = words("""Okafor Mensah Diallo Mohamed Ali Hassan Abdi Warsame Jean Pierre Joseph
Baptiste Toussaint Owusu Boateng Adeyemi Nwosu Tesfaye Bekele Kamara Conteh Traore""")

_STREET_NAMES = """Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Sunset Lincoln
Jefferson Madison Franklin Jackson Church Spring Highland Ridge River Mill Forest Meadow Valley
Chestnut Willow Cherry Adams Monroe Broadway Market Union Grand Liberty Lafayette Magnolia
Dogwood Sycamore Birch Spruce Hickory Poplar Laurel Vine Prospect Pleasant Summit Fairview
Lakeview Riverside Hillcrest Woodland Orchard Center Railroad Bridge School College Academy
Garfield Grant Kennedy Roosevelt Wilson Harrison Cleveland Bay Harbor Ocean Beach Canyon Mesa
Alameda Vista Alvarado Fremont Mission Sierra Santa_Fe Del_Rio Las_Palmas El_Camino Cypress
Palm Juniper Aspen Redwood Sequoia Greenwood Glenwood Oakwood Elmwood Brookside Creekside
Country_Club Airport Industrial Mountain_View Bayview Eastern Western Central Atlantic Pacific
King Queen Prince Water Front High Pearl Canal"""

_ORDINALS = ["1st", "2nd", "3rd"] + [f"{n}th" for n in range(4, 21)]

STREETS: list[str] = words(_STREET_NAMES) + _ORDINALS

# USPS suffix abbreviations, with the spelled-out form some systems keep.
SUFFIXES: list[tuple[str, str]] = [
    ("St", "Street"),
    ("Ave", "Avenue"),
    ("Blvd", "Boulevard"),
    ("Rd", "Road"),
    ("Dr", "Drive"),
    ("Ln", "Lane"),
    ("Way", "Way"),
    ("Ct", "Court"),
    ("Pl", "Place"),
    ("Ter", "Terrace"),
    ("Cir", "Circle"),
    ("Pkwy", "Parkway"),
]
DIRECTIONS = ["", "N ", "S ", "E ", "W "]

MIDDLE_INITIALS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
