// One opening room (templates/bidding_room/room.html).
import { startRoom } from "./room.js";

startRoom(document.getElementById("room"));
