// The regulator's live board of openings (templates/bidding_room/board.html).
import { startBoard } from "./room.js";

startBoard({ table: document.querySelector("#board tbody"), banner: document.getElementById("banner") });
